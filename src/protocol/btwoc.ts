// Integer representations (OpenID 2.0 §4.2): "btwoc" is the shortest big-endian two's complement
// representation of an arbitrary precision integer. All integers OpenID uses (Diffie-Hellman
// values) are positive, so the left-most bit is zero and a zero byte is prepended when needed.
//
// What we accept when decoding: exactly the strings btwoc() can produce for non-negative integers.
//   - empty input is refused (btwoc(0) is "\x00", never the empty string);
//   - a first byte with the high bit set is refused: that is a negative number in two's
//     complement, and no OpenID integer is negative;
//   - a leading 0x00 that is not needed (next byte's high bit clear) is refused: §4.2 defines
//     btwoc as the *shortest* representation, so "\x00\x7F" is not btwoc(127).
// Base64 (RFC 3548, cited by §8.2.2) is decoded strictly as well: RFC 3548 §2.3 says decoders
// MUST reject characters outside the alphabet (Node's decoder would skip them silently), so no
// whitespace, no URL-safe alphabet, canonical padding and zero pad bits.

import { InvalidRequest } from './errors.js';

/** btwoc (OpenID 2.0 §4.2) of a non-negative integer. */
export function btwoc(value: bigint): Buffer {
  if (value < 0n) throw new RangeError('btwoc: OpenID integers are non-negative');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  // OpenID 2.0 §4.2: the left-most bit MUST be zero; if it is not, add a zero byte at the front.
  return bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/**
 * Inverse of btwoc (OpenID 2.0 §4.2) for non-negative integers: refuses empty input, negative
 * (high bit set) and non-minimal encodings with InvalidRequest.
 */
export function unbtwoc(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new InvalidRequest('Integer encoding is empty');
  const first = bytes[0];
  if (first & 0x80) {
    throw new InvalidRequest('Integer encoding is negative', {
      detail: 'btwoc first byte has its high bit set',
    });
  }
  if (first === 0 && bytes.length > 1 && !(bytes[1] & 0x80)) {
    throw new InvalidRequest('Integer encoding is not the shortest form', {
      detail: 'btwoc has a superfluous leading zero byte',
    });
  }
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict base64 decoding (RFC 3548 §3, as cited by OpenID 2.0 §8.2.2): standard alphabet,
 * mandatory padding, no whitespace, and zero pad bits so that each byte string has exactly one
 * accepted text. Throws InvalidRequest.
 */
export function decodeBase64Strict(text: string, what = 'value'): Buffer {
  if (!BASE64.test(text)) {
    throw new InvalidRequest(`${what} is not valid base64`);
  }
  const bytes = Buffer.from(text, 'base64');
  // Non-zero pad bits ("QR==" instead of "QQ==") decode to the same bytes; refuse them so that
  // the text form stays canonical.
  if (bytes.toString('base64') !== text) {
    throw new InvalidRequest(`${what} is not canonical base64`);
  }
  return bytes;
}

/** base64(btwoc(n)), the wire form of Diffie-Hellman values (OpenID 2.0 §8.1.2, §8.2.3). */
export function btwocBase64(value: bigint): string {
  return btwoc(value).toString('base64');
}

/** Inverse of btwocBase64, strict on both layers. Throws InvalidRequest. */
export function unbtwocBase64(text: string, what = 'value'): bigint {
  return unbtwoc(decodeBase64Strict(text, what));
}
