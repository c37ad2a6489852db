// Key-Value Form (OpenID 2.0 §4.1.1): the encoding of direct responses (§5.1.2) and the octet
// string that signatures are computed over (§6.1).
//
// Whitespace: §4.1.1 says additional characters, whitespace included, MUST NOT be added before or
// after the colon or newline. We take that literally in both directions: the encoder writes keys
// and values verbatim, and the decoder splits each line at its first colon and keeps both sides
// verbatim. Nothing is trimmed, because a decoder cannot tell padding a sender wrongly added from
// a value that really starts with a space; a trimmed value would also no longer be the value that
// was signed. (python-openid's kvform strips and warns; we are strict instead.)

import { InvalidRequest } from './errors.js';

export type KeyValuePairs = ReadonlyArray<readonly [string, string]>;

const LONE_SURROGATE = /\p{Cs}/u;

function assertEncodable(text: string, what: string): void {
  // OpenID 2.0 §4.1: keys and values are Unicode, encoded as UTF-8. A lone UTF-16 surrogate has no
  // UTF-8 form; Buffer.from would silently replace it and the signer and the verifier would then
  // disagree on the bytes.
  if (LONE_SURROGATE.test(text)) {
    throw new InvalidRequest('Message contains text that cannot be encoded as UTF-8', {
      detail: `kv-form ${what} contains a lone surrogate`,
    });
  }
}

/**
 * Encodes pairs in Key-Value Form, in the given order (OpenID 2.0 §4.1.1). Throws InvalidRequest
 * when a key is empty or contains ':' or '\n', when a value contains '\n', or when a key repeats
 * (§4.1: no two parameters with the same name).
 */
export function encodeKeyValueForm(pairs: KeyValuePairs): string {
  const seen = new Set<string>();
  let out = '';
  for (const [key, value] of pairs) {
    if (key.length === 0) {
      throw new InvalidRequest('Message contains an empty key', { detail: 'kv-form key is empty' });
    }
    // OpenID 2.0 §4.1.1: a key MUST NOT contain a newline or a colon.
    if (key.includes(':') || key.includes('\n')) {
      throw new InvalidRequest('Message key contains a forbidden character', {
        detail: `kv-form key ${JSON.stringify(key)} contains ':' or newline`,
      });
    }
    // OpenID 2.0 §4.1.1: a value MUST NOT contain a newline.
    if (value.includes('\n')) {
      throw new InvalidRequest(`Value of "${key}" contains a newline`, {
        detail: `kv-form value of ${JSON.stringify(key)} contains a newline`,
      });
    }
    // OpenID 2.0 §4.1: messages MUST NOT contain multiple parameters with the same name.
    if (seen.has(key)) {
      throw new InvalidRequest(`Duplicate key "${key}"`, { detail: 'kv-form key repeated' });
    }
    seen.add(key);
    assertEncodable(key, 'key');
    assertEncodable(value, 'value');
    // OpenID 2.0 §4.1.1: key, colon, value, one "\n"; nothing added around the colon or newline.
    out += `${key}:${value}\n`;
  }
  return out;
}

/** Encodes pairs in Key-Value Form as UTF-8 bytes (OpenID 2.0 §4.1.1, §6.1 step 3). */
export function encodeKeyValueFormBytes(pairs: KeyValuePairs): Buffer {
  return Buffer.from(encodeKeyValueForm(pairs), 'utf8');
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a Key-Value Form message strictly (OpenID 2.0 §4.1.1): valid UTF-8, every line (the
 * last included) terminated by exactly one '\n', every line containing a colon, keys non-empty
 * and unique (§4.1). An empty body is an empty message. Violations throw InvalidRequest.
 */
export function decodeKeyValueForm(input: string | Uint8Array): Array<[string, string]> {
  let text: string;
  if (typeof input === 'string') {
    text = input;
    assertEncodable(text, 'message');
  } else {
    try {
      text = utf8.decode(input);
    } catch (cause) {
      // OpenID 2.0 §4.1.1: the message MUST be encoded in UTF-8.
      throw new InvalidRequest('Key-value message is not valid UTF-8', { cause });
    }
  }
  if (text.length === 0) return [];
  // OpenID 2.0 §4.1.1: each line is terminated by a single newline, the last one included
  // (OpenID 1.1 Appendix C: "Newlines MUST BE at end of each line as well as between lines").
  if (!text.endsWith('\n')) {
    throw new InvalidRequest('Key-value message does not end with a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  const seen = new Set<string>();
  const pairs: Array<[string, string]> = [];
  for (const [index, line] of lines.entries()) {
    const colon = line.indexOf(':');
    if (colon < 0) {
      throw new InvalidRequest('Key-value line has no colon', { detail: `line ${index + 1}` });
    }
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (key.length === 0) {
      throw new InvalidRequest('Key-value line has an empty key', { detail: `line ${index + 1}` });
    }
    // OpenID 2.0 §4.1: no two parameters with the same name.
    if (seen.has(key)) {
      throw new InvalidRequest(`Duplicate key "${key}"`, { detail: `line ${index + 1}` });
    }
    seen.add(key);
    pairs.push([key, value]);
  }
  return pairs;
}
