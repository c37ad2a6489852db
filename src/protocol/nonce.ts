// openid.response_nonce (OpenID 2.0 §10.1): the server's current time in RFC 3339 §5.6 form,
// restricted to UTC ("Z") and whole seconds, followed by characters in ASCII 33-126 that make the
// response unique; 255 characters at most. Example from the spec: 2005-05-15T17:11:51ZUNIQUE.

import { MAX_NONCE_LENGTH } from './consts.js';
import { InvalidRequest } from './errors.js';
import { ALPHANUMERIC, randomToken, type RandomBytes } from './random.js';

/** Random characters after the timestamp: 16 alphanumerics, ~95 bits. */
export const NONCE_SUFFIX_LENGTH = 16;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** The §10.1 timestamp prefix: `YYYY-MM-DDTHH:MM:SSZ`, UTC, no fractional seconds. */
export function formatNonceTime(time: Date): string {
  const year = time.getUTCFullYear();
  if (!Number.isFinite(time.getTime()) || year < 0 || year > 9999) {
    throw new RangeError('formatNonceTime: time outside the RFC 3339 range');
  }
  return (
    `${pad(year, 4)}-${pad(time.getUTCMonth() + 1, 2)}-${pad(time.getUTCDate(), 2)}` +
    `T${pad(time.getUTCHours(), 2)}:${pad(time.getUTCMinutes(), 2)}:${pad(time.getUTCSeconds(), 2)}Z`
  );
}

/**
 * A fresh response nonce (OpenID 2.0 §10.1): the current time, then NONCE_SUFFIX_LENGTH random
 * alphanumerics (a subset of ASCII 33-126), drawn by rejection sampling (see randomToken).
 * Uniqueness (§10.1 "MUST be unique") rests on the random suffix; the store that later consumes
 * the nonce (§11.4.2.1) is what makes reuse impossible.
 */
export function createResponseNonce(now: Date, randomBytes: RandomBytes): string {
  return formatNonceTime(now) + randomToken(randomBytes, NONCE_SUFFIX_LENGTH, ALPHANUMERIC);
}

const NONCE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z([\x21-\x7e]*)$/;

export interface ParsedNonce {
  /** The timestamp, whole seconds, UTC. */
  readonly time: Date;
  /** Everything after the `Z` (may be empty: §10.1 says the extra characters MAY be present). */
  readonly suffix: string;
}

/**
 * Parses a response nonce strictly (OpenID 2.0 §10.1): at most 255 characters; an RFC 3339 §5.6
 * date-time in UTC with "Z" and no fractional seconds, naming a real calendar time; then only
 * ASCII 33-126. Leap seconds (":60") are refused: our clock and nonces never produce them.
 * Throws InvalidRequest.
 */
export function parseResponseNonce(nonce: string): ParsedNonce {
  if (nonce.length > MAX_NONCE_LENGTH) {
    throw new InvalidRequest('response_nonce is too long', { detail: `${nonce.length} characters` });
  }
  const match = NONCE.exec(nonce);
  if (!match) throw new InvalidRequest('response_nonce is malformed');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number, number, number, number, number, number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const time = new Date(ms);
  // Date.UTC rolls 2021-02-30 over to March, 24:00 to the next day and years 0-99 to 19xx: a
  // round trip catches all three.
  if (
    time.getUTCFullYear() !== year ||
    time.getUTCMonth() !== month - 1 ||
    time.getUTCDate() !== day ||
    time.getUTCHours() !== hour ||
    time.getUTCMinutes() !== minute ||
    time.getUTCSeconds() !== second
  ) {
    throw new InvalidRequest('response_nonce has an invalid timestamp');
  }
  return { time, suffix: match[7] ?? '' };
}

export interface NonceWindow {
  /** How old a nonce may be, in seconds. */
  readonly maxAgeSeconds: number;
  /** How far in the future a nonce may be (clock skew between OP instances), in seconds. */
  readonly maxFutureSeconds: number;
}

/**
 * Whether a nonce time lies within [now - maxAge, now + maxFuture] (OpenID 2.0 §11.3: the
 * timestamp MAY be used to reject responses too far from the current time; the acceptable range
 * is left to the implementation, and bounds how long consumed nonces must be remembered).
 */
export function isNonceTimeWithinWindow(time: Date, now: Date, window: NonceWindow): boolean {
  const { maxAgeSeconds, maxFutureSeconds } = window;
  if (!(maxAgeSeconds >= 0) || !(maxFutureSeconds >= 0)) {
    throw new RangeError('isNonceTimeWithinWindow: window bounds must be non-negative');
  }
  const t = time.getTime();
  const n = now.getTime();
  if (!Number.isFinite(t) || !Number.isFinite(n)) return false;
  // Nonce times have whole-second precision (§10.1): a nonce issued at 12:00:00.900 says
  // 12:00:00. Ages are therefore measured from `now` truncated to the second, or every nonce
  // would look up to a second older than it is.
  const nowSecond = Math.floor(n / 1000) * 1000;
  return t >= nowSecond - maxAgeSeconds * 1000 && t <= n + maxFutureSeconds * 1000;
}
