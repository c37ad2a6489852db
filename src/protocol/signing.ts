// Message signatures (OpenID 2.0 §6): HMAC-SHA1 or HMAC-SHA256 over the Key-Value Form encoding
// of the fields named in `openid.signed`, in exactly the order listed there.
//
// Field maps in this module hold *unprefixed* keys ("mode", "return_to", "sreg.email"): §6.1 step
// 1 stores the list "with the 'openid.' prefix stripped" and step 3 kv-encodes the listed keys
// in that form (this is how every deployed library computes it).

import { createHmac, timingSafeEqual } from 'node:crypto';

import { AssocType, Field, type OpenIdVersion } from './consts.js';
import { InvalidRequest } from './errors.js';
import { encodeKeyValueFormBytes, type KeyValuePairs } from './kv-form.js';
import { MAC_KEY_LENGTH } from './association-types.js';

const HMAC_HASH: Readonly<Record<AssocType, 'sha1' | 'sha256'>> = {
  [AssocType.hmacSha1]: 'sha1',
  [AssocType.hmacSha256]: 'sha256',
};

/**
 * Fields a positive assertion's signature MUST cover (OpenID 2.0 §10.1): op_endpoint, return_to,
 * response_nonce, assoc_handle, and claimed_id and identity when present. OpenID 1.1 (§14.2.2: no
 * op_endpoint; §14.2.1: response_nonce may be absent) covers return_to and identity.
 */
export function requiredSignedFields(fields: ReadonlyMap<string, string>, version: OpenIdVersion): string[] {
  const required: string[] =
    version === '2.0'
      ? [Field.opEndpoint, Field.returnTo, Field.responseNonce, Field.assocHandle]
      : [Field.returnTo];
  for (const key of [Field.claimedId, Field.identity]) {
    if (fields.has(key) && (version === '2.0' || key === Field.identity)) required.push(key);
  }
  return required;
}

/**
 * Parses `openid.signed` (OpenID 2.0 §6.1 step 1: comma-separated unprefixed keys) against the
 * message it came with. Refuses, with InvalidRequest, an empty list or empty entry, a key listed
 * twice, "sig" (a signature cannot cover itself), and a key absent from the message (§6.1 step 2
 * needs its value).
 */
export function parseSignedList(signed: string, fields: ReadonlyMap<string, string>): string[] {
  const keys = signed.split(',');
  const seen = new Set<string>();
  for (const key of keys) {
    if (key.length === 0) throw new InvalidRequest('openid.signed has an empty entry');
    if (seen.has(key)) throw new InvalidRequest(`openid.signed lists "${key}" twice`);
    if (key === Field.sig) throw new InvalidRequest('openid.signed lists "sig"');
    if (!fields.has(key)) throw new InvalidRequest(`openid.signed lists "${key}", which is not in the message`);
    seen.add(key);
  }
  return keys;
}

function checkKey(assocType: AssocType, macKey: Uint8Array): void {
  // OpenID 2.0 §6.2 / §8.4.1: the MAC key length is fixed by the association type. HMAC would
  // accept any length; refusing others catches a mixed-up key before it signs anything.
  if (macKey.length !== MAC_KEY_LENGTH[assocType]) {
    throw new RangeError(`${assocType} needs a ${MAC_KEY_LENGTH[assocType]}-byte key, got ${macKey.length}`);
  }
}

/**
 * base64(HMAC(macKey, kvform(listed fields in listed order))) (OpenID 2.0 §6.1 steps 2-4, §6.2).
 * Throws InvalidRequest when a listed key is missing from `fields` or a value cannot be
 * kv-encoded (a newline).
 */
export function computeSignature(
  assocType: AssocType,
  macKey: Uint8Array,
  fields: ReadonlyMap<string, string>,
  signedList: readonly string[],
): string {
  checkKey(assocType, macKey);
  const pairs: Array<[string, string]> = signedList.map((key) => {
    const value = fields.get(key);
    if (value === undefined) throw new InvalidRequest(`Signed field "${key}" is missing`);
    return [key, value];
  });
  return createHmac(HMAC_HASH[assocType], macKey).update(encodeKeyValueFormBytes(pairs)).digest('base64');
}

/**
 * Signs response fields (unprefixed, in order, without `signed`/`sig`): appends `signed`, listing
 * every field in order followed by "signed" itself, and `sig`. Signing every field, the list
 * included, leaves nothing a man in the middle could add or change unnoticed; §10.1's required
 * fields are a subset whenever they are present. Returns a new list.
 */
export function signFields(assocType: AssocType, macKey: Uint8Array, fields: KeyValuePairs): Array<[string, string]> {
  const out: Array<[string, string]> = fields.map(([k, v]) => [k, v]);
  const keys = out.map(([k]) => k);
  if (keys.includes(Field.signed) || keys.includes(Field.sig)) {
    throw new RangeError('signFields: fields already carry signed/sig');
  }
  const signedList = [...keys, Field.signed];
  out.push([Field.signed, signedList.join(',')]);
  const map = new Map(out);
  if (map.size !== out.length) throw new InvalidRequest('Response repeats a field');
  out.push([Field.sig, computeSignature(assocType, macKey, map, signedList)]);
  return out;
}

/**
 * Verifies `sig` over the fields named by the *received* `signed` list, in its order (OpenID 2.0
 * §11.4.1: follow the signing procedure and compare). `fields` are the message's unprefixed
 * fields as they should be checked (for check_authentication, §11.4.2.1, the caller puts back
 * mode=id_res first). Malformed input (no `signed`/`sig`, bad list) throws InvalidRequest; a
 * wrong signature returns false. The comparison is constant-time over equal-length buffers; the
 * signature must be the exact base64 text we would produce.
 */
export function verifySignature(assocType: AssocType, macKey: Uint8Array, fields: ReadonlyMap<string, string>): boolean {
  const signed = fields.get(Field.signed);
  const sig = fields.get(Field.sig);
  if (signed === undefined) throw new InvalidRequest('Missing openid.signed');
  if (sig === undefined) throw new InvalidRequest('Missing openid.sig');
  const signedList = parseSignedList(signed, fields);
  const expected = Buffer.from(computeSignature(assocType, macKey, fields, signedList), 'utf8');
  const received = Buffer.from(sig, 'utf8');
  if (expected.length !== received.length) return false;
  return timingSafeEqual(expected, received);
}

/** The entries of `required` that `signedList` does not cover (§10.1, §11.4). */
export function missingSignedFields(signedList: readonly string[], required: readonly string[]): string[] {
  return required.filter((key) => !signedList.includes(key));
}
