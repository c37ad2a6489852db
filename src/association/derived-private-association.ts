import { createHmac } from 'node:crypto';
import { MAC_KEY_LENGTH } from '../protocol/association-types.js';
import { AssocType } from '../protocol/consts.js';
import { ALPHANUMERIC, randomToken, type RandomBytes } from '../protocol/random.js';

// Private associations (stateless mode, OpenID 2.0 §10, §11.4.2) whose MAC key is derived, not
// stored: HKDF-SHA256 (RFC 5869) of the provider's derivation key (32 random bytes shared by every
// instance through the database), with the handle as `info`. Signing an assertion then needs no
// INSERT, and any instance can verify it. The handle says when it was made and which HMAC it
// keys, so nothing else has to be looked up; it is unguessable (~190 random bits), and a handle
// edited by an attacker (another time, another type) derives another key that verifies nothing.
//
// Single use is kept where it was: in 2.0 the signed response_nonce is consumed in the nonce
// ledger (§11.4.2.1), in 1.1 (no nonce, §14.2.1) the handle itself is.

const RANDOM_LENGTH = 32;
const SALT = Buffer.from('openid-provider/private-association/v1');
// `{unix seconds}.P1.{random}` keys HMAC-SHA1 (OpenID 1.1 RPs), `.P2.` HMAC-SHA256. Stored private
// associations of earlier versions have `.P.` and are still looked up in the table.
const HANDLE = /^(\d{1,12})\.P([12])\.[A-Za-z0-9]{32}$/;
const TYPES = { '1': AssocType.hmacSha1, '2': AssocType.hmacSha256 } as const;

export interface DerivedHandle {
  readonly issuedAt: Date;
  readonly assocType: AssocType;
}

export function createDerivedHandle(now: Date, assocType: AssocType, randomBytes: RandomBytes): string {
  const seconds = Math.floor(now.getTime() / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('createDerivedHandle: bad time');
  const digit = assocType === AssocType.hmacSha1 ? '1' : '2';
  return `${seconds}.P${digit}.${randomToken(randomBytes, RANDOM_LENGTH, ALPHANUMERIC)}`;
}

/** What a derived private handle says of itself, or undefined when it is not one. */
export function parseDerivedHandle(handle: string): DerivedHandle | undefined {
  const match = HANDLE.exec(handle);
  if (!match) return undefined;
  return { issuedAt: new Date(Number(match[1]) * 1000), assocType: TYPES[match[2] as '1' | '2'] };
}

// RFC 5869 §2.2 HKDF-Extract, PRK = HMAC-Hash(salt, IKM), depends on the derivation key only:
// computed once per key, not once per assertion.
let extracted: { key: Buffer; prk: Buffer } | undefined;

function pseudorandomKey(derivationKey: Buffer): Buffer {
  if (extracted?.key !== derivationKey) extracted = { key: derivationKey, prk: createHmac('sha256', SALT).update(derivationKey).digest() };
  return extracted.prk;
}

/**
 * The MAC key of a derived private association (RFC 5869 HKDF-SHA256, as long as its HMAC, §6.2).
 * RFC 5869 §2.3 HKDF-Expand for L ≤ HashLen is its first block, T(1) = HMAC-Hash(PRK, info | 0x01),
 * cut to L: one HMAC per assertion (test/association/derived-private-association.spec.ts checks
 * it against node:crypto's hkdfSync).
 */
export function derivePrivateMacKey(derivationKey: Buffer, handle: string, assocType: AssocType): Buffer {
  const block = createHmac('sha256', pseudorandomKey(derivationKey)).update(handle, 'ascii').update(ONE).digest();
  return block.subarray(0, MAC_KEY_LENGTH[assocType]);
}

const ONE = Buffer.from([1]);
