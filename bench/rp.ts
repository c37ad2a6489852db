// The relying party's side of the workloads, written independently of src/ (an RP does not share
// the provider's code): DH key pairs and the associate request (OpenID 2.0 §8), decryption of
// enc_mac_key, the checkid_immediate URL (§9), the check_authentication body (§11.4.2.1), and the
// signature check of an assertion (§6.1, §11.4.2.1).

import { createDiffieHellman, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Answer, Browser, parseKeyValue } from './browser.js';

export const OPENID2_NS = 'http://specs.openid.net/auth/2.0';

/** OpenID 2.0 Appendix B: the default DH modulus (1024 bits), generator 2. */
export const DEFAULT_MODULUS = Buffer.from(
  'DCF93A0B883972EC0E19989AC5A2CE310E1D37717E8D9571BB7623731866E61E' +
    'F75A2E27898B057F9891C2E27A639C3F29B60814581CD3B2CA3986D268370557' +
    '7D45C2E7E52DC81C7A171876E5CEA74B1448BFDFAF18828EFD2519F14E45E382' +
    '6634AF1949E5B535CC829A483B8A76223E5D490A257F05BDFF16F2FB22C583AB',
  'hex',
);
export const DEFAULT_GENERATOR = 2;

/** OpenID 2.0 §4.2: big-endian two's complement, shortest form (a leading 0x00 for a set top bit). */
export function btwoc(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  return trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
}

function unbtwoc(value: string): Buffer {
  return Buffer.from(value, 'base64');
}

export type SessionType = 'DH-SHA1' | 'DH-SHA256' | 'no-encryption';
export type AssocType = 'HMAC-SHA1' | 'HMAC-SHA256';

/** An RP's DH key pair in the default group. */
export interface ConsumerKey {
  readonly publicKey: Buffer;
  sharedSecret(serverPublic: Buffer): Buffer;
}

/**
 * RP key pairs in the default group, on one DiffieHellman object: OpenSSL checks the prime once
 * (createDiffieHellman), then each pair costs an exponentiation.
 */
export class ConsumerKeys {
  private readonly dh = createDiffieHellman(DEFAULT_MODULUS, DEFAULT_GENERATOR);

  create(): ConsumerKey {
    const privateKey = randomBytes(DEFAULT_MODULUS.length);
    // Below the modulus (its top byte is 0xDC) and above 1.
    privateKey[0] = privateKey[0]! & 0x7f;
    privateKey[privateKey.length - 1] = privateKey[privateKey.length - 1]! | 2;
    this.dh.setPrivateKey(privateKey);
    const publicKey = this.dh.generateKeys();
    return {
      publicKey,
      sharedSecret: (serverPublic) => {
        this.dh.setPrivateKey(privateKey);
        return this.dh.computeSecret(serverPublic);
      },
    };
  }
}

export function associateBody(assocType: AssocType, sessionType: SessionType, key?: ConsumerKey): URLSearchParams {
  const body = new URLSearchParams({ 'openid.ns': OPENID2_NS, 'openid.mode': 'associate', 'openid.assoc_type': assocType, 'openid.session_type': sessionType });
  if (sessionType !== 'no-encryption') {
    if (!key) throw new Error('a DH session needs a consumer key');
    // Sent explicitly, as RP libraries do (python-openid, node-openid), though absent means the same.
    body.set('openid.dh_modulus', btwoc(DEFAULT_MODULUS).toString('base64'));
    body.set('openid.dh_gen', btwoc(Buffer.from([DEFAULT_GENERATOR])).toString('base64'));
    body.set('openid.dh_consumer_public', btwoc(key.publicKey).toString('base64'));
  }
  return body;
}

export interface Association {
  handle: string;
  assocType: AssocType;
  macKey: Buffer;
  expiresIn: number;
}

const SESSION_HASH: Record<SessionType, { hash: string; length: number } | undefined> = {
  'DH-SHA1': { hash: 'sha1', length: 20 },
  'DH-SHA256': { hash: 'sha256', length: 32 },
  'no-encryption': undefined,
};

/** Reads an associate answer as an RP does: the MAC key decrypted (§8.2.3) or read (§8.2.2). */
export function readAssociation(answer: Answer, assocType: AssocType, sessionType: SessionType, key?: ConsumerKey): Association {
  if (answer.status !== 200) throw new Error(`associate: HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
  const kv = parseKeyValue(answer.body);
  const handle = kv.get('assoc_handle');
  if (!handle || kv.get('assoc_type') !== assocType) throw new Error(`associate: unexpected answer: ${[...kv.keys()].join(', ')} (error: ${kv.get('error') ?? 'none'})`);
  const session = SESSION_HASH[sessionType];
  let macKey: Buffer;
  if (session) {
    if (!key) throw new Error('a DH session needs the consumer key');
    const serverPublic = unbtwoc(kv.get('dh_server_public') ?? '');
    const encrypted = unbtwoc(kv.get('enc_mac_key') ?? '');
    const digest = createHash(session.hash).update(btwoc(key.sharedSecret(serverPublic))).digest();
    if (encrypted.length !== session.length) throw new Error(`associate: enc_mac_key has ${encrypted.length} bytes`);
    macKey = Buffer.alloc(session.length);
    for (let i = 0; i < session.length; i++) macKey[i] = digest[i]! ^ encrypted[i]!;
  } else {
    macKey = unbtwoc(kv.get('mac_key') ?? '');
  }
  const expected = assocType === 'HMAC-SHA256' ? 32 : 20;
  if (macKey.length !== expected) throw new Error(`associate: MAC key of ${macKey.length} bytes for ${assocType}`);
  return { handle, assocType, macKey, expiresIn: Number(kv.get('expires_in')) };
}

export async function associate(client: Browser, endpoint: string, assocType: AssocType, sessionType: SessionType, keys: ConsumerKeys): Promise<Association> {
  const key = sessionType === 'no-encryption' ? undefined : keys.create();
  const answer = await client.post(endpoint, associateBody(assocType, sessionType, key));
  return readAssociation(answer, assocType, sessionType, key);
}

export interface CheckidTarget {
  /** The claimed identifier (also openid.identity: no delegation). */
  identifier: string;
  realm: string;
  returnTo: string;
  assocHandle?: string;
}

/** The path and query of a checkid_immediate request (OpenID 2.0 §9.1), GET to the endpoint. */
export function checkidPath(endpointPath: string, target: CheckidTarget, mode: 'checkid_immediate' | 'checkid_setup' = 'checkid_immediate'): string {
  const query = new URLSearchParams({
    'openid.ns': OPENID2_NS,
    'openid.mode': mode,
    'openid.claimed_id': target.identifier,
    'openid.identity': target.identifier,
    'openid.return_to': target.returnTo,
    'openid.realm': target.realm,
  });
  if (target.assocHandle) query.set('openid.assoc_handle', target.assocHandle);
  return `${endpointPath}?${query.toString()}`;
}

/** The assertion's openid.* fields, from the Location of a positive answer. */
export function assertionFields(location: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [k, v] of new URL(location).searchParams) if (k.startsWith('openid.')) fields.set(k, v);
  return fields;
}

/** OpenID 2.0 §11.4.2.1: the same fields, openid.mode=check_authentication. */
export function checkAuthenticationBody(location: string): string {
  const fields = assertionFields(location);
  if (fields.get('openid.mode') !== 'id_res') throw new Error('not a positive assertion');
  fields.set('openid.mode', 'check_authentication');
  return new URLSearchParams([...fields]).toString();
}

/** OpenID 2.0 §6.1: the signature over the openid.signed list, checked with the RP's MAC key. */
export function signatureValid(location: string, association: Association): boolean {
  const fields = assertionFields(location);
  if (fields.get('openid.assoc_handle') !== association.handle) return false;
  const signed = (fields.get('openid.signed') ?? '').split(',').filter(Boolean);
  if (!signed.includes('return_to') || !signed.includes('response_nonce') || !signed.includes('assoc_handle')) return false;
  const kv = signed.map((name) => `${name}:${fields.get(`openid.${name}`) ?? ''}\n`).join('');
  const mac = createHmac(association.assocType === 'HMAC-SHA256' ? 'sha256' : 'sha1', association.macKey).update(kv, 'utf8').digest();
  const sig = Buffer.from(fields.get('openid.sig') ?? '', 'base64');
  return sig.length === mac.length && timingSafeEqual(sig, mac);
}
