// Random tokens for handles and nonces. The randomness source is injected so that the core stays
// pure and testable; production passes node:crypto's randomBytes (a CSPRNG, per OpenID 2.0 §6 and
// §8.4.2, which point at RFC 1750 for randomness).

import { MAX_HANDLE_LENGTH } from './consts.js';

/** A cryptographically secure source of `size` random bytes, e.g. `crypto.randomBytes`. */
export type RandomBytes = (size: number) => Uint8Array;

/** Letters and digits: a subset of printable ASCII 33-126 that no URL or form codec mangles. */
export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const CHECKED_ALPHABETS = new Set<string>();

/**
 * `length` characters drawn uniformly from `alphabet` using `randomBytes`.
 *
 * Bytes are mapped to characters by rejection, not by a bare modulo: with 62 characters, `b % 62`
 * over bytes 0..255 would make the first 8 characters (256 - 4 * 62 = 8 leftover values) 25% more
 * likely than the rest, shaving entropy off every token. Bytes at or above the largest multiple of
 * the alphabet size (248 for 62) are thrown away instead, so each remaining byte maps to every
 * character with exactly the same probability.
 */
export function randomToken(randomBytes: RandomBytes, length: number, alphabet: string): string {
  if (!Number.isInteger(length) || length < 0) throw new RangeError('randomToken: bad length');
  const size = alphabet.length;
  if (!CHECKED_ALPHABETS.has(alphabet)) {
    if (size < 2 || size > 256 || new Set(alphabet).size !== size) {
      throw new RangeError('randomToken: alphabet must have 2 to 256 distinct characters');
    }
    // The few alphabets in use, checked once each (every checkid draws a nonce and a handle).
    if (CHECKED_ALPHABETS.size < 16) CHECKED_ALPHABETS.add(alphabet);
  }
  const limit = 256 - (256 % size);
  let out = '';
  // A byte is accepted with probability limit/256 >= 1/2; ask for a little more than the
  // expected need each round so that one round nearly always suffices.
  while (out.length < length) {
    const want = Math.ceil(((length - out.length) * 256) / limit) + 8;
    const bytes = randomBytes(want);
    if (bytes.length !== want) throw new Error('randomBytes returned the wrong number of bytes');
    for (const byte of bytes) {
      if (byte >= limit) continue;
      out += alphabet[byte % size];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Association kinds: shared with an RP (§8), or private for stateless mode (§10, §11.4.2). */
export type AssociationKind = 'shared' | 'private';

const HANDLE_RANDOM_LENGTH = 32;

/**
 * A fresh association handle (OpenID 2.0 §8.2.1: at most 255 characters, ASCII 33-126):
 * `{unix seconds}.{S|P}.{32 random alphanumerics}` (~190 bits). The timestamp and the kind
 * letter are public facts (creation time, and the `shared`/`private` distinction that
 * check_authentication must enforce, §11.4.2.1); the MAC key is never derived from the handle.
 */
export function createAssociationHandle(
  now: Date,
  kind: AssociationKind,
  randomBytes: RandomBytes,
): string {
  const seconds = Math.floor(now.getTime() / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('createAssociationHandle: bad time');
  const handle = `${seconds}.${kind === 'shared' ? 'S' : 'P'}.${randomToken(randomBytes, HANDLE_RANDOM_LENGTH, ALPHANUMERIC)}`;
  return handle;
}

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Whether `value` is a syntactically valid association handle (OpenID 2.0 §8.2.1): 1 to 255
 * characters, each in ASCII 33-126. Lets adapters refuse junk before it reaches a database query.
 */
export function isValidAssociationHandle(value: string): boolean {
  return value.length <= MAX_HANDLE_LENGTH && PRINTABLE_ASCII.test(value);
}
