import { inEnglish, text, type Text } from '../i18n/locale.js';

// Usernames are the localparts of JIDs (RFC 6122 §2.3, nodeprep; RFC 7622 §3.3 UsernameCaseMapped):
// case-insensitive, so they are stored and compared in one normalised form. This is the
// stringprep-style approximation the product needs: Unicode NFKC, then lower case, then the
// characters nodeprep prohibits are refused. Anything that passes is safe in a URL path segment
// once percent-encoded.

/** RFC 6122 Appendix A.5 (nodeprep) prohibits these in addition to spaces and controls. */
const PROHIBITED = new Set(['"', '&', "'", '/', ':', '<', '>', '@']);
const MAX_BYTES = 1023; // RFC 6122 §2.3: localpart of at most 1023 bytes.
/** users.username is varchar(1023): no account name is longer, in characters (nor in bytes, above). */
export const MAX_USERNAME_LENGTH = 1023;

export class InvalidUsername extends Error {
  constructor(readonly reason: Text) {
    super(`invalid username: ${inEnglish(reason)}`);
    this.name = 'InvalidUsername';
  }
}

export function normalizeUsername(input: string): string {
  const value = input.normalize('NFKC').toLowerCase();
  if (value.length === 0) throw new InvalidUsername(text('errors.invalid_username.empty'));
  if (Buffer.byteLength(value, 'utf8') > MAX_BYTES) throw new InvalidUsername(text('errors.invalid_username.too_long', { max: MAX_BYTES }));
  for (const ch of value) {
    if (PROHIBITED.has(ch)) throw new InvalidUsername(text('errors.invalid_username.character', { character: JSON.stringify(ch) }));
    // Spaces, controls, unassigned, private-use and surrogate code points (RFC 3454 tables C.1-C.9).
    if (/[\p{White_Space}\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}]/u.test(ch)) throw new InvalidUsername(text('errors.invalid_username.space_or_control'));
  }
  return value;
}

/** Same as normalizeUsername, but answers undefined instead of throwing (for request paths). */
export function tryNormalizeUsername(input: string): string | undefined {
  try {
    return normalizeUsername(input);
  } catch {
    return undefined;
  }
}
