// The codes a person types at the second-factor prompt, as plain values: RFC 6238 TOTP codes
// (six digits) and our recovery codes (16 characters of the RFC 4648 §6 base32 alphabet, shown in
// groups of four). Pure functions.

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 §6 base32 without padding (TOTP secrets for otpauth URIs, recovery codes). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** Bytes of a recovery code: 80 bits, 16 base32 characters exactly (5 bits each: no bias to remove). */
export const RECOVERY_CODE_BYTES = 10;
/** Recovery codes made at a time (each usable once). */
export const RECOVERY_CODE_COUNT = 10;

/** A recovery code as shown: XXXX-XXXX-XXXX-XXXX. */
export function formatRecoveryCode(bytes: Uint8Array): string {
  return base32(bytes).match(/.{4}/g)!.join('-');
}

/** What a typed code can be; anything else is no code of ours (refused before any lookup). */
export type TypedCode = { kind: 'totp'; token: string } | { kind: 'recovery'; code: string };

/**
 * Reads the `code` field: spaces and hyphens (as shown, as apps group digits) are ignored, and a
 * recovery code is case-insensitive. Six digits are a TOTP code; sixteen base32 characters a
 * recovery code.
 */
export function readCode(input: string): TypedCode | undefined {
  const compact = input.replace(/[\s-]/g, '');
  if (/^[0-9]{6}$/.test(compact)) return { kind: 'totp', token: compact };
  const upper = compact.toUpperCase();
  if (/^[A-Z2-7]{16}$/.test(upper)) return { kind: 'recovery', code: upper };
  return undefined;
}
