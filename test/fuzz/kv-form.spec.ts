import fc from 'fast-check';
import { InvalidRequest } from '../../src/protocol/errors.js';
import { decodeKeyValueForm, encodeKeyValueForm, encodeKeyValueFormBytes } from '../../src/protocol/kv-form.js';
import { hostileString, runs } from './fuzz.js';

// Property-based tests of the Key-Value Form codec (OpenID 2.0 §4.1.1).
// Short mode by default (a few hundred runs per property); long mode: FUZZ_RUNS=20000
// (see test/fuzz/fuzz.ts; FUZZ_SEED replays a failure).

type Pairs = Array<[string, string]>;

/** Text as §4.1 has it: Unicode (no lone surrogates). */
const text = (arb: fc.Arbitrary<string>): fc.Arbitrary<string> => arb.filter((s) => !/\p{Cs}/u.test(s));

// OpenID 2.0 §4.1.1: a key holds neither ':' nor '\n' (and is not empty); a value holds no '\n'.
const validKey = text(hostileString(4)).map((s) => s.replace(/[:\n]/g, '')).filter((s) => s.length > 0);
const validValue = text(hostileString(6)).map((s) => s.replace(/\n/g, ''));
const validPairs: fc.Arbitrary<Pairs> = fc.uniqueArray(fc.tuple(validKey, validValue), { selector: ([k]) => k, maxLength: 20 });

/** The rule of §4.1.1 and §4.1, written out independently of the encoder. */
function encodable(pairs: Pairs): boolean {
  const keys = pairs.map(([k]) => k);
  return (
    new Set(keys).size === keys.length &&
    pairs.every(([k, v]) => k.length > 0 && !k.includes(':') && !k.includes('\n') && !v.includes('\n') && !/\p{Cs}/u.test(k) && !/\p{Cs}/u.test(v))
  );
}

/** Runs fn; anything thrown must be the codec's own typed error. */
function typedOrNothing<T>(fn: () => T): T | InvalidRequest {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof InvalidRequest)) throw new Error(`untyped error: ${String(error)}`, { cause: error });
    return error;
  }
}

describe('Key-Value Form codec, fuzzed (OpenID 2.0 §4.1.1)', () => {
  it('round-trips every valid message, as text and as UTF-8 bytes, one line per pair', () => {
    fc.assert(
      fc.property(validPairs, (pairs) => {
        const encoded = encodeKeyValueForm(pairs);
        // OpenID 2.0 §4.1.1: every line, the last included, ends with exactly one '\n'.
        expect(encoded.split('\n')).toHaveLength(pairs.length + 1);
        expect(decodeKeyValueForm(encoded)).toEqual(pairs);
        const bytes = encodeKeyValueFormBytes(pairs);
        expect(bytes.equals(Buffer.from(encoded, 'utf8'))).toBe(true);
        expect(decodeKeyValueForm(bytes)).toEqual(pairs);
      }),
      runs(300),
    );
  });

  it('encodes exactly what §4.1.1 allows and refuses the rest with InvalidRequest', () => {
    const anyPairs = fc.array(fc.tuple(hostileString(4), hostileString(4)), { maxLength: 8 });
    // Now and then a duplicated key, which random strings alone seldom produce.
    const withDuplicates = fc.oneof(anyPairs, anyPairs.filter((p) => p.length > 0).map((p): Pairs => [...p, [p[0]![0], 'again']]));
    fc.assert(
      fc.property(withDuplicates, (pairs) => {
        const result = typedOrNothing(() => encodeKeyValueForm(pairs));
        expect(result instanceof InvalidRequest).toBe(!encodable(pairs));
      }),
      runs(300),
    );
  });

  it('decodes hostile text into pairs or an InvalidRequest, and what it accepts re-encodes to the same text', () => {
    const lines = fc.array(fc.oneof(hostileString(6), validKey.map((k) => `${k}:`)), { maxLength: 12 }).map((parts) => parts.join('\n'));
    const input = fc.oneof(hostileString(10), lines, lines.map((s) => `${s}\n`));
    fc.assert(
      fc.property(input, (message) => {
        const result = typedOrNothing(() => decodeKeyValueForm(message));
        // The decoder is strict: nothing is trimmed, dropped or repaired, so a message it accepts
        // is exactly the encoding of what it returned.
        if (!(result instanceof InvalidRequest)) expect(encodeKeyValueForm(result)).toBe(message);
      }),
      runs(300),
    );
  });

  it('decodes hostile bytes (invalid UTF-8, overlong forms, BOMs) into pairs or an InvalidRequest, byte-exact', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.array(fc.constantFrom([0x61], [0x3a], [0x0a], [0x00], [0xef, 0xbb, 0xbf], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0xa4], [0xff], [0xc3, 0xa9]), { maxLength: 24 }).map((parts) => Uint8Array.from(parts.flat())),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        const result = typedOrNothing(() => decodeKeyValueForm(input));
        if (!(result instanceof InvalidRequest)) expect(encodeKeyValueFormBytes(result).equals(Buffer.from(input))).toBe(true);
      }),
      runs(300),
    );
  });
});
