// The input step in front of the message parser: every openid.* message is measured and screened
// before it is parsed, stored (a parked request keeps its pairs) or echoed. OpenID 2.0 sets no
// size limits of its own; these bound what one request can make us hold, and refuse characters
// that no field of the protocol carries.
//
// Control characters: every openid.* value is a URL (§7.2, §9.2), a token or handle (§8.1, §10.1),
// base64 (§4.2), a type URI or a comma/space separated list (§12, SReg 1.1 §3, AX 1.0 §5.1), or a
// profile value we sent ourselves (check_authentication, §11.4.2.1). None of them carries a C0
// control (NUL included), DEL or a C1 control. TAB, CR and LF are refused too: §4.1.1 forbids a
// newline in a key-value value, check_authentication re-encodes the signed fields in that form
// (§6.1), and CR or TAB in a URL is what WHATWG parsing silently strips, so the URL we would check
// is not the one the RP sent.

import { ForbiddenCharacter, MessageTooLarge } from './errors.js';

export interface MessageLimits {
  /** Sum of the UTF-8 lengths of every key and value. */
  readonly maxTotalBytes: number;
  readonly maxFields: number;
  /** UTF-8 length of one key, `openid.` prefix included. */
  readonly maxKeyBytes: number;
  /** UTF-8 length of one value. */
  readonly maxValueBytes: number;
  /** Tighter caps for named keys (e.g. a field the adapter stores in a bounded column). */
  readonly maxValueBytesByKey?: Readonly<Record<string, number>>;
}

/**
 * Defaults, far above what any relying party sends: a checkid request with SReg, a 40-attribute
 * AX fetch_request and PAPE has about 100 fields; a return_to of several kilobytes (state carried
 * in the URL) is still well under one value's cap.
 */
export const DEFAULT_MESSAGE_LIMITS: MessageLimits = Object.freeze({
  maxTotalBytes: 64 * 1024,
  maxFields: 256,
  maxKeyBytes: 256,
  maxValueBytes: 16 * 1024,
});

// C0 (U+0000-U+001F, TAB, CR and LF included), DEL (U+007F) and C1 (U+0080-U+009F).
const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Throws MessageTooLarge or ForbiddenCharacter when the pairs break a limit. Keys are checked
 * before values, and a key is only named in a message once it is known to be short and clean:
 * error messages travel to the relying party (§5.1.2.2, §5.2.3).
 */
export function checkMessageLimits(pairs: ReadonlyArray<readonly [string, string]>, limits: MessageLimits = DEFAULT_MESSAGE_LIMITS): void {
  if (pairs.length > limits.maxFields) {
    throw new MessageTooLarge('The message has too many fields', { detail: `${pairs.length} fields, limit ${limits.maxFields}` });
  }
  let total = 0;
  for (const [key, value] of pairs) {
    const keyBytes = Buffer.byteLength(key, 'utf8');
    if (keyBytes > limits.maxKeyBytes) {
      throw new MessageTooLarge('A parameter name is too long', { detail: `key of ${keyBytes} bytes, limit ${limits.maxKeyBytes}` });
    }
    if (CONTROL.test(key)) {
      throw new ForbiddenCharacter('A parameter name contains a control character', { detail: `key ${JSON.stringify(key)}` });
    }
    // OpenID 2.0 §4.1: keys are Unicode text. One that is not (a lone surrogate) cannot be named
    // in the key-value error that answers it (§5.1.2.2), nor be encoded as UTF-8 at all.
    if (LONE_SURROGATE.test(key)) {
      throw new ForbiddenCharacter('A parameter name is not valid text', { detail: `key ${JSON.stringify(key)}` });
    }
    const valueBytes = Buffer.byteLength(value, 'utf8');
    const cap = limits.maxValueBytesByKey?.[key] ?? limits.maxValueBytes;
    if (valueBytes > cap) {
      throw new MessageTooLarge(`Parameter ${key} is too long`, { detail: `value of ${valueBytes} bytes, limit ${cap}` });
    }
    if (CONTROL.test(value)) {
      throw new ForbiddenCharacter(`Parameter ${key} contains a control character`);
    }
    total += keyBytes + valueBytes;
    if (total > limits.maxTotalBytes) {
      throw new MessageTooLarge('The message is too large', { detail: `over ${limits.maxTotalBytes} bytes` });
    }
  }
}
