import { createHash, getDiffieHellman, randomBytes } from 'node:crypto';

import { DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS } from '../../src/protocol/consts.js';
import {
  DhContexts,
  dhPublicKey,
  dhServerExchange,
  dhSharedSecret,
  generateDhPrivateKey,
  parseDhRequest,
  validateDhGroup,
  xorSecret,
  type DhSessionType,
} from '../../src/protocol/dh.js';
import { byteStream, expectThrowsNamed, loadVectors } from './vectors.js';

interface Exchange {
  title: string;
  input: {
    sessionType: DhSessionType;
    dhModulus: string | null;
    dhGen: string | null;
    dhConsumerPublic: string;
    consumerPrivateHex: string;
    serverPrivateBytesHex: string;
    macKeyHex: string;
  };
  expected: { dhServerPublic: string; sharedSecretBtwocHex: string; encMacKey: string };
}
interface Vectors {
  exchanges: Exchange[];
  invalidRequests: Array<{
    title: string;
    input: { dhModulus: string | null; dhGen: string | null; dhConsumerPublic: string | null };
    error: string;
  }>;
}

const vectors = loadVectors<Vectors>('dh');
const orUndefined = (value: string | null): string | undefined => value ?? undefined;

// Independent of the code under test (which runs in OpenSSL): plain square-and-multiply on bigint.
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
function btwocHex(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Number.parseInt(hex.slice(0, 2), 16) & 0x80 ? `00${hex}` : hex;
}

describe('Diffie-Hellman sessions (OpenID 2.0 §8.1.2, §8.2.3, §8.4.2)', () => {
  it('Appendix B: the default modulus is the spec\'s 1024-bit prime, generator 2 (§8.1.2)', () => {
    expect(DEFAULT_DH_MODULUS.toString(16).toUpperCase()).toBe(
      'DCF93A0B883972EC0E19989AC5A2CE310E1D37717E8D9571BB7623731866E61E' +
        'F75A2E27898B057F9891C2E27A639C3F29B60814581CD3B2CA3986D268370557' +
        '7D45C2E7E52DC81C7A171876E5CEA74B1448BFDFAF18828EFD2519F14E45E382' +
        '6634AF1949E5B535CC829A483B8A76223E5D490A257F05BDFF16F2FB22C583AB',
    );
    expect(DEFAULT_DH_MODULUS.toString(2)).toHaveLength(1024);
    expect(DEFAULT_DH_GENERATOR).toBe(2n);
  });

  it('refuses an odd composite dh_modulus (Fermat test to base 2) and accepts another real prime group (RFC 3526 group 14)', () => {
    const composite = DEFAULT_DH_MODULUS + 4n; // the default is ≡ 2 (mod 3): this is a multiple of 3
    expect(composite % 3n).toBe(0n);
    expect(() => validateDhGroup({ modulus: composite, generator: 2n })).toThrow(/not a valid prime modulus/);
    expect(() => validateDhGroup({ modulus: (1n << 1024n) - 1n, generator: 2n })).toThrow(/not a valid prime modulus/);
    const group14 = BigInt(`0x${getDiffieHellman('modp14').getPrime('hex')}`);
    expect(() => validateDhGroup({ modulus: group14, generator: 2n })).not.toThrow();
    expect(() => validateDhGroup({ modulus: group14, generator: 2n })).not.toThrow(); // remembered
  });

  describe.each(vectors.exchanges)('$title', ({ input, expected }) => {
    const request = parseDhRequest({
      modulus: orUndefined(input.dhModulus),
      generator: orUndefined(input.dhGen),
      consumerPublic: input.dhConsumerPublic,
    });
    const macKey = Buffer.from(input.macKeyHex, 'hex');

    it('produces the expected dh_server_public and enc_mac_key', () => {
      const serverPrivate = [...Buffer.from(input.serverPrivateBytesHex, 'hex')];
      const response = dhServerExchange(input.sessionType, request, macKey, byteStream(serverPrivate));
      expect(response).toEqual({ dhServerPublic: expected.dhServerPublic, encMacKey: expected.encMacKey });
    });

    it('gives the same answer through a reused DH context as through key objects', () => {
      const serverPrivate = [...Buffer.from(input.serverPrivateBytesHex, 'hex')];
      // reuseAfter 1: every group gets a context at once (the default group always has one).
      const reused = dhServerExchange(input.sessionType, request, macKey, byteStream(serverPrivate), new DhContexts(1));
      expect(reused).toEqual({ dhServerPublic: expected.dhServerPublic, encMacKey: expected.encMacKey });
    });

    it('agrees with the RP side: g^(xa*xb) from either end, MAC key recovered by XOR', () => {
      const xb = BigInt(`0x${input.serverPrivateBytesHex}`);
      const shared = dhSharedSecret(request, xb, request.consumerPublic);
      expect(btwocHex(shared)).toBe(expected.sharedSecretBtwocHex);
      const xa = BigInt(`0x${input.consumerPrivateHex}`);
      const serverPublic = dhPublicKey(request, xb);
      expect(dhSharedSecret(request, xa, serverPublic)).toBe(shared);
      const enc = Buffer.from(expected.encMacKey, 'base64');
      expect(xorSecret(input.sessionType, shared, enc).equals(macKey)).toBe(true);
    });
  });

  it.each(vectors.invalidRequests)('refuses $title', ({ input, error }) => {
    expectThrowsNamed(
      () =>
        parseDhRequest({
          modulus: orUndefined(input.dhModulus),
          generator: orUndefined(input.dhGen),
          consumerPublic: orUndefined(input.dhConsumerPublic),
        }),
      error,
    );
  });

  it.each(['DH-SHA1', 'DH-SHA256'] as const)(
    '%s round trip with fresh randomness matches an independent bigint computation',
    (sessionType) => {
      const p = DEFAULT_DH_MODULUS;
      const xa = (BigInt(`0x${randomBytes(128).toString('hex')}`) % (p - 3n)) + 2n;
      const consumerPublic = modPow(2n, xa, p);
      const macKey = randomBytes(sessionType === 'DH-SHA1' ? 20 : 32);
      const request = parseDhRequest({
        modulus: undefined,
        generator: undefined,
        consumerPublic: Buffer.from(btwocHex(consumerPublic), 'hex').toString('base64'),
      });
      const response = dhServerExchange(sessionType, request, macKey, randomBytes);
      const serverPublic = BigInt(`0x${Buffer.from(response.dhServerPublic, 'base64').toString('hex')}`);
      const shared = modPow(serverPublic, xa, p);
      const digest = createHash(sessionType === 'DH-SHA1' ? 'sha1' : 'sha256')
        .update(Buffer.from(btwocHex(shared), 'hex'))
        .digest();
      const enc = Buffer.from(response.encMacKey, 'base64');
      const recovered = Buffer.from(enc.map((byte, i) => byte ^ digest[i]));
      expect(recovered.equals(macKey)).toBe(true);
    },
  );

  it('builds a DH context for an RP-chosen group only once it came back, and keeps a bounded number', () => {
    const contexts = new DhContexts(3, 2);
    const groups = [0, 1, 2].map((i) => ({ modulus: DEFAULT_DH_MODULUS + 2n * BigInt(i + 1), generator: 2n }));
    // The first two requests of a group take the key-object path (no DH_check for one-off moduli).
    expect(contexts.for(groups[0]!)).toBeUndefined();
    expect(contexts.for(groups[0]!)).toBeUndefined();
    expect(contexts.for(groups[0]!)).toBeDefined();
    expect(contexts.for(groups[0]!)).toBe(contexts.for(groups[0]!));
    for (const group of groups.slice(1)) for (let i = 0; i < 3; i += 1) contexts.for(group);
    // At most two RP groups are kept: the least recently used went.
    expect(contexts.size).toBe(2);
    expect(contexts.for(groups[0]!)).toBeUndefined();
    // The spec's default group always has its context, outside the bound.
    expect(contexts.for({ modulus: DEFAULT_DH_MODULUS, generator: DEFAULT_DH_GENERATOR })).toBeDefined();
  });

  // A public key of full size (tiny ones are refused): p / 3.
  const FULL_SIZE_KEY = Buffer.from((DEFAULT_DH_MODULUS / 3n).toString(16).padStart(256, '0'), 'hex').toString('base64');

  it('a reused context never answers with the previous request\'s key', () => {
    const request = parseDhRequest({ modulus: undefined, generator: undefined, consumerPublic: FULL_SIZE_KEY });
    const first = dhServerExchange('DH-SHA256', request, Buffer.alloc(32), randomBytes);
    const second = dhServerExchange('DH-SHA256', request, Buffer.alloc(32), randomBytes);
    expect(second.dhServerPublic).not.toBe(first.dhServerPublic);
    expect(second.encMacKey).not.toBe(first.encMacKey);
  });

  it('§8.4.2: the MAC key length must equal the session hash length', () => {
    const request = parseDhRequest({ modulus: undefined, generator: undefined, consumerPublic: FULL_SIZE_KEY });
    expectThrowsNamed(() => dhServerExchange('DH-SHA1', request, Buffer.alloc(32), randomBytes), 'RangeError');
    expectThrowsNamed(() => dhServerExchange('DH-SHA256', request, Buffer.alloc(20), randomBytes), 'RangeError');
  });

  it('the shared secret refuses out-of-range peer keys (1 < y < p-1)', () => {
    const group = { modulus: DEFAULT_DH_MODULUS, generator: 2n };
    for (const y of [0n, 1n, DEFAULT_DH_MODULUS - 1n, DEFAULT_DH_MODULUS, DEFAULT_DH_MODULUS + 1n]) {
      expectThrowsNamed(() => dhSharedSecret(group, 12345n, y), 'InvalidRequest');
    }
  });

  describe('private key generation (rejection sampling into [2, p-2])', () => {
    const p = DEFAULT_DH_MODULUS;
    const bytes = (hex: string) => [...Buffer.from(hex, 'hex')];
    it('accepts an in-range draw as is', () => {
      const draw = `${'00'.repeat(127)}02`;
      expect(generateDhPrivateKey(p, byteStream(bytes(draw)))).toBe(2n);
    });
    it('rejects 0, 1, p-1 and values >= p, then takes the next in-range draw', () => {
      const stream = [
        ...bytes('00'.repeat(128)),
        ...bytes(`${'00'.repeat(127)}01`),
        ...bytes((p - 1n).toString(16)),
        ...bytes(p.toString(16)),
        ...bytes('ff'.repeat(128)),
        ...bytes(`${'00'.repeat(127)}07`),
      ];
      expect(generateDhPrivateKey(p, byteStream(stream))).toBe(7n);
    });
    it('masks the draw to the bit length of p (1025-bit modulus: 129 bytes, top 7 bits cleared)', () => {
      const p1025 = (1n << 1024n) + 1n;
      // Unmasked, 0xfe 00..00 09 would exceed p and be rejected; masked, it is 9.
      const draw = [0xfe, ...bytes('00'.repeat(127)), 0x09];
      expect(generateDhPrivateKey(p1025, byteStream(draw))).toBe(9n);
    });
    it('gives up on a broken random source instead of looping forever', () => {
      expectThrowsNamed(() => generateDhPrivateKey(p, () => new Uint8Array(128).fill(0xff)), 'Error');
    });
  });
});
