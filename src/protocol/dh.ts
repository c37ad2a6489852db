// Diffie-Hellman association sessions (OpenID 2.0 §8.1.2, §8.2.3, §8.4.2).
//
// The RP sends p (dh_modulus), g (dh_gen) and its public key g^xa mod p (dh_consumer_public); the
// OP picks xb, answers with g^xb mod p (dh_server_public) and enc_mac_key =
// H(btwoc(g^(xa*xb) mod p)) XOR MAC key, where H is SHA-1 for DH-SHA1 and SHA-256 for DH-SHA256.
//
// Exponentiation runs in OpenSSL (constant-time Montgomery exponentiation), two ways:
//   - a reused crypto.DiffieHellman context per group (setPrivateKey, generateKeys, computeSecret):
//     the fast path, 3-4x the throughput of building key objects per request. Building one runs
//     OpenSSL's DH_check, a safe-prime test that costs 50-180 ms of CPU for a 1024-bit modulus,
//     which any client could trigger at will with a fresh modulus each time (§15.5 warns about
//     exactly this DoS). So contexts exist for the spec's default group (built at start-up) and
//     for RP-chosen groups only once one has come back a few times, in a small bounded table.
//   - node:crypto KeyObjects (crypto.diffieHellman) from DER-encoded parameters, which skip
//     DH_check: every other group.
//
// Parameter policy (our decisions, the spec leaves them open):
//   - p must be odd and between 1024 and 4096 bits (configurable). 1024 bits is the spec's own
//     default (Appendix B); anything smaller is within reach of precomputation attacks
//     ("Logjam"), so the MAC key would be exposed to eavesdroppers. The upper bound caps the cost
//     of one association request (a 4096-bit exponentiation is ~15x a 1024-bit one).
//   - p other than the default modulus must pass a Fermat test to base 2 (2^(p-1) mod p = 1):
//     one exponentiation, the cost of the exchange itself, where OpenSSL's Miller-Rabin test
//     costs 30 ms (1024 bits) to 3 s (4096 bits) per request for a real prime, which anyone could
//     ask for (§15.5). It refuses every composite an RP would send by mistake or to probe us; a
//     base-2 pseudoprime must be built on purpose, and only weakens the association of the RP
//     that built it (xb is ephemeral and used once). Moduli that passed are remembered (bounded).
//   - 1 < g < p-1 and 1 < g^xa < p-1: the excluded values make the shared secret 0, 1 or ±1,
//     which an eavesdropper would know (small-subgroup confinement to order 1 or 2). Nor g^xa = g
//     or a tiny g^xa (see validateDhPublicKey): the shared secret would be public or guessable.
//   - xb is uniform in [2, p-2] (§8.4.2 says [1 .. p-1]; 1 and p-1 are the trivial exponents).

import { createDiffieHellman, createHash, createPrivateKey, createPublicKey, diffieHellman, type DiffieHellman, type KeyObject } from 'node:crypto';

import { btwoc, btwocBase64, unbtwocBase64 } from './btwoc.js';
import { DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS, SessionType } from './consts.js';
import { DH_SESSION_HASH } from './association-types.js';
import { InvalidRequest } from './errors.js';
import type { RandomBytes } from './random.js';

export type DhSessionType = typeof SessionType.dhSha1 | typeof SessionType.dhSha256;

export interface DhGroup {
  readonly modulus: bigint;
  readonly generator: bigint;
}

export interface DhRequest extends DhGroup {
  /** The RP's public key g^xa mod p. */
  readonly consumerPublic: bigint;
}

export interface DhPolicy {
  /** Smallest accepted modulus, in bits (default 1024). */
  readonly minModulusBits?: number;
  /** Largest accepted modulus, in bits (default 4096). */
  readonly maxModulusBits?: number;
}

export const DEFAULT_DH_POLICY: Required<DhPolicy> = Object.freeze({ minModulusBits: 1024, maxModulusBits: 4096 });

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Validates a DH group against the policy above. Throws InvalidRequest. */
export function validateDhGroup(group: DhGroup, policy: DhPolicy = {}): void {
  const { minModulusBits, maxModulusBits } = { ...DEFAULT_DH_POLICY, ...policy };
  const { modulus: p, generator: g } = group;
  const bits = bitLength(p);
  if (bits < minModulusBits || bits > maxModulusBits) {
    throw new InvalidRequest(`dh_modulus must be between ${minModulusBits} and ${maxModulusBits} bits`, {
      detail: `dh_modulus has ${bits} bits`,
    });
  }
  if (p % 2n === 0n) throw new InvalidRequest('dh_modulus is not a valid prime modulus', { detail: 'even modulus' });
  if (g <= 1n || g >= p - 1n) throw new InvalidRequest('dh_gen is out of range', { detail: 'need 1 < g < p-1' });
  if (!probablyPrime(p)) throw new InvalidRequest('dh_modulus is not a valid prime modulus', { detail: 'composite modulus (Fermat test to base 2)' });
}

/** Moduli that passed the Fermat test, oldest first (RPs that send their own group send it again). */
const primeModuli = new Set<bigint>([DEFAULT_DH_MODULUS]);
const MAX_REMEMBERED_MODULI = 64;

/**
 * Fermat test to base 2 for an odd p > 3 (see the parameter policy above), as 2^(p-2) mod p =
 * 2^-1 = (p+1)/2: the same test (times 2 it is 2^(p-1) = 1), in a form OpenSSL computes (it refuses
 * to hand out a shared secret of 1).
 */
function probablyPrime(p: bigint): boolean {
  if (primeModuli.has(p)) return true;
  let inverse: bigint;
  try {
    inverse = modPow({ modulus: p, generator: 2n }, 2n, p - 2n);
  } catch {
    return false;
  }
  if (inverse !== (p + 1n) / 2n) return false;
  primeModuli.add(p);
  if (primeModuli.size > MAX_REMEMBERED_MODULI) {
    for (const old of primeModuli) {
      if (old === DEFAULT_DH_MODULUS) continue;
      primeModuli.delete(old);
      break;
    }
  }
  return true;
}

/**
 * A public key this many bits shorter than p is refused: an honest g^xa mod p falls below
 * 2^(bits(p) - 64) with probability about 2^-64, while tiny keys are what a broken or hostile RP
 * sends (y = 2 = g^1 with the default generator makes the shared secret g^xb, which is
 * dh_server_public itself, readable by any eavesdropper).
 */
const MIN_PUBLIC_KEY_SHORTFALL_BITS = 64;

/**
 * Validates a DH public key: 1 < y < p-1 (RFC 2631 §2.1.5; NIST SP 800-56A §5.6.2.3.1 partial
 * public-key validation), y ≠ g (xa = 1), and not tiny (above). The full check y^q mod p = 1
 * needs the subgroup order q, which OpenID does not transmit (§8.1.2). Throws InvalidRequest.
 */
export function validateDhPublicKey(group: DhGroup, publicKey: bigint, field = 'dh_consumer_public'): void {
  if (publicKey <= 1n || publicKey >= group.modulus - 1n) {
    throw new InvalidRequest(`${field} is out of range`, { detail: 'need 1 < y < p-1' });
  }
  if (publicKey === group.generator || bitLength(publicKey) < bitLength(group.modulus) - MIN_PUBLIC_KEY_SHORTFALL_BITS) {
    throw new InvalidRequest(`${field} is not a usable public key`, { detail: `degenerate public key (${bitLength(publicKey)} bits, or equal to g)` });
  }
}

export interface DhRequestFields {
  /** `openid.dh_modulus`, base64(btwoc(p)); absent means the Appendix B default. */
  readonly modulus: string | undefined;
  /** `openid.dh_gen`, base64(btwoc(g)); absent means 2. */
  readonly generator: string | undefined;
  /** `openid.dh_consumer_public`, base64(btwoc(g^xa mod p)); required. */
  readonly consumerPublic: string | undefined;
}

/**
 * Decodes and validates the DH parameters of an associate request (OpenID 2.0 §8.1.2): defaults
 * for the absent modulus and generator, strict base64 and btwoc (see btwoc.ts), then the range
 * checks above. Throws InvalidRequest.
 */
export function parseDhRequest(fields: DhRequestFields, policy: DhPolicy = {}): DhRequest {
  // OpenID 2.0 §8.1.2: dh_modulus defaults to Appendix B, dh_gen to 2.
  const modulus = fields.modulus === undefined ? DEFAULT_DH_MODULUS : unbtwocBase64(fields.modulus, 'dh_modulus');
  const generator = fields.generator === undefined ? DEFAULT_DH_GENERATOR : unbtwocBase64(fields.generator, 'dh_gen');
  if (fields.consumerPublic === undefined) throw new InvalidRequest('Missing openid.dh_consumer_public');
  const consumerPublic = unbtwocBase64(fields.consumerPublic, 'dh_consumer_public');
  const group = { modulus, generator };
  validateDhGroup(group, policy);
  validateDhPublicKey(group, consumerPublic);
  return { modulus, generator, consumerPublic };
}

/**
 * A private exponent uniform in [2, p-2], from `randomBytes` by rejection sampling: draw
 * bitLength(p) random bits and retry when the value falls outside the range (no modulo
 * reduction, which would bias the result towards small values).
 */
export function generateDhPrivateKey(modulus: bigint, randomBytes: RandomBytes): bigint {
  const bits = bitLength(modulus);
  if (bits < 3) throw new RangeError('generateDhPrivateKey: modulus too small');
  const bytes = Math.ceil(bits / 8);
  const topMask = 0xff >> (bytes * 8 - bits);
  // Each draw succeeds with probability > 1/2 (p-3 values out of < 2p); 256 failures in a row
  // mean a broken random source, not bad luck (probability < 2^-256).
  for (let attempt = 0; attempt < 256; attempt += 1) {
    const draw = Buffer.from(randomBytes(bytes));
    if (draw.length !== bytes) throw new Error('randomBytes returned the wrong number of bytes');
    draw[0] = draw[0] & topMask;
    const candidate = BigInt(`0x${draw.toString('hex')}`);
    if (candidate >= 2n && candidate <= modulus - 2n) return candidate;
  }
  throw new Error('generateDhPrivateKey: random source keeps producing out-of-range values');
}

// --- DER encoding of DH keys (PKCS #3 parameters in PKCS #8 / SubjectPublicKeyInfo), so that
// OpenSSL can take arbitrary RP-chosen groups without running DH_check on them.

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

// A DER INTEGER's content is the minimal big-endian two's complement: exactly btwoc (§4.2).
const derInteger = (n: bigint): Buffer => der(0x02, btwoc(n));
const derSequence = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
// 1.2.840.113549.1.3.1 dhKeyAgreement (PKCS #3).
const DH_KEY_AGREEMENT_OID = Buffer.from('06092a864886f70d010301', 'hex');

function dhAlgorithm(group: DhGroup): Buffer {
  return derSequence(DH_KEY_AGREEMENT_OID, derSequence(derInteger(group.modulus), derInteger(group.generator)));
}

function dhPrivateKeyObject(group: DhGroup, privateKey: bigint): KeyObject {
  const pkcs8 = derSequence(derInteger(0n), dhAlgorithm(group), der(0x04, derInteger(privateKey)));
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}

function dhPublicKeyObject(group: DhGroup, publicKey: bigint): KeyObject {
  const spki = derSequence(dhAlgorithm(group), der(0x03, Buffer.concat([Buffer.from([0]), derInteger(publicKey)])));
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

function toBigInt(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

/** y^x mod p through OpenSSL; y must already satisfy 1 < y < p-1. */
function modPow(group: DhGroup, base: bigint, exponent: bigint): bigint {
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey: dhPrivateKeyObject(group, exponent), publicKey: dhPublicKeyObject(group, base) });
  } catch (cause) {
    // The group comes from the RP; whatever OpenSSL still objects to is a bad request, not a crash.
    throw new InvalidRequest('Diffie-Hellman parameters were refused', { cause });
  }
  return toBigInt(secret);
}

function toBytes(n: bigint): Buffer {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

/**
 * Reused OpenSSL DH contexts, per (p, g). The default group's is built once (one DH_check);
 * an RP-chosen group gets one only after `reuseAfter` requests used it, and at most `maxGroups`
 * such groups are kept (least recently used dropped), so a client inventing moduli never makes
 * us run DH_check more than once per `reuseAfter` of its requests, and memory stays bounded.
 * Contexts are used synchronously (set the private key, compute, return): no two requests share
 * one at the same time, and the private key set is always the fresh xb of the request.
 */
export class DhContexts {
  private readonly contexts = new Map<string, DiffieHellman>();
  private readonly sightings = new Map<string, number>();
  private readonly defaultKey = DhContexts.key({ modulus: DEFAULT_DH_MODULUS, generator: DEFAULT_DH_GENERATOR });
  // Built at the first use (one DH_check, ~0.1 s), not when the module loads.
  private defaultContext: DiffieHellman | undefined;

  constructor(
    private readonly reuseAfter = 3,
    private readonly maxGroups = 16,
  ) {}

  private static key(group: DhGroup): string {
    return `${group.modulus.toString(16)}:${group.generator.toString(16)}`;
  }

  /** The context for this group, or undefined: use the key-object path this time. */
  for(group: DhGroup): DiffieHellman | undefined {
    const key = DhContexts.key(group);
    if (key === this.defaultKey) return (this.defaultContext ??= createDiffieHellman(toBytes(DEFAULT_DH_MODULUS), toBytes(DEFAULT_DH_GENERATOR)));
    const known = this.contexts.get(key);
    if (known) {
      this.contexts.delete(key);
      this.contexts.set(key, known);
      return known;
    }
    const seen = (this.sightings.get(key) ?? 0) + 1;
    this.sightings.delete(key);
    if (seen < this.reuseAfter) {
      this.sightings.set(key, seen);
      trim(this.sightings, this.maxGroups * 4);
      return undefined;
    }
    const context = createDiffieHellman(toBytes(group.modulus), toBytes(group.generator));
    this.contexts.set(key, context);
    trim(this.contexts, this.maxGroups);
    return context;
  }

  /** How many RP-chosen groups have a context now (for tests and metrics). */
  get size(): number {
    return this.contexts.size;
  }
}

function trim(map: Map<string, unknown>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value as string);
}

const sharedContexts = new DhContexts();

/**
 * g^xb mod p and peer^xb mod p in one go: through the group's reused context when it has one,
 * else through key objects. Both are checked against each other in test/protocol/dh.spec.ts.
 */
export function dhExchange(group: DhGroup, privateKey: bigint, peerPublic: bigint, contexts: DhContexts = sharedContexts): { serverPublic: bigint; shared: bigint } {
  validateDhPublicKey(group, peerPublic);
  const context = contexts.for(group);
  if (!context) return { serverPublic: dhPublicKey(group, privateKey), shared: modPow(group, peerPublic, privateKey) };
  try {
    context.setPrivateKey(toBytes(privateKey));
    // Node: with a private key set, generateKeys only recomputes the public key g^xb mod p.
    const serverPublic = toBigInt(context.generateKeys());
    const shared = toBigInt(context.computeSecret(toBytes(peerPublic)));
    return { serverPublic, shared };
  } catch (cause) {
    throw new InvalidRequest('Diffie-Hellman parameters were refused', { cause });
  }
}

/** g^x mod p (OpenID 2.0 §8.2.3 dh_server_public, before encoding). */
export function dhPublicKey(group: DhGroup, privateKey: bigint): bigint {
  // DH "agreement" with the generator as the peer's public key is exactly g^x mod p; the range
  // check validateDhGroup made on g is the one OpenSSL applies to peer keys.
  return modPow(group, group.generator, privateKey);
}

/** peerPublic^x mod p, the shared secret g^(xa*xb) mod p (OpenID 2.0 §8.4.2). */
export function dhSharedSecret(group: DhGroup, privateKey: bigint, peerPublic: bigint): bigint {
  validateDhPublicKey(group, peerPublic);
  return modPow(group, peerPublic, privateKey);
}

/**
 * H(btwoc(shared secret)) XOR MAC key (OpenID 2.0 §8.2.3 enc_mac_key, before base64). XOR is its
 * own inverse, so the RP side decrypts with the same function. §8.4.2: the MAC key MUST be as
 * long as H's output (20 bytes for DH-SHA1, 32 for DH-SHA256).
 */
export function xorSecret(sessionType: DhSessionType, sharedSecret: bigint, macKey: Uint8Array): Buffer {
  const { hash, length } = DH_SESSION_HASH[sessionType];
  if (macKey.length !== length) {
    throw new RangeError(`${sessionType} needs a ${length}-byte MAC key, got ${macKey.length}`);
  }
  const digest = createHash(hash).update(btwoc(sharedSecret)).digest();
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) out[i] = digest[i] ^ macKey[i];
  return out;
}

export interface DhServerResponse {
  /** `dh_server_public`: base64(btwoc(g^xb mod p)). */
  readonly dhServerPublic: string;
  /** `enc_mac_key`: base64(H(btwoc(g^(xa*xb) mod p)) XOR MAC key). */
  readonly encMacKey: string;
}

/**
 * The OP's half of a DH association session (OpenID 2.0 §8.2.3, §8.4.2): picks xb from
 * `randomBytes`, and returns dh_server_public and enc_mac_key for `macKey`. `request` is what
 * parseDhRequest returned (group already validated); the RP's public key is checked again here.
 */
export function dhServerExchange(
  sessionType: DhSessionType,
  request: DhRequest,
  macKey: Uint8Array,
  randomBytes: RandomBytes,
  contexts?: DhContexts,
): DhServerResponse {
  const privateKey = generateDhPrivateKey(request.modulus, randomBytes);
  const { serverPublic, shared } = dhExchange(request, privateKey, request.consumerPublic, contexts);
  return {
    dhServerPublic: btwocBase64(serverPublic),
    encMacKey: xorSecret(sessionType, shared, macKey).toString('base64'),
  };
}
