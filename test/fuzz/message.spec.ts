import fc from 'fast-check';
import { NS_OPENID_1_1, NS_OPENID_2_0 } from '../../src/protocol/consts.js';
import { ForbiddenCharacter, InvalidRequest, MessageTooLarge, OpenIdError } from '../../src/protocol/errors.js';
import { checkMessageLimits, DEFAULT_MESSAGE_LIMITS, type MessageLimits } from '../../src/protocol/input-limits.js';
import { parseOpenIdMessage } from '../../src/protocol/message.js';
import { encodeDirectError, indirectErrorLocation } from '../../src/http/openid-error-encoding.js';
import { CONTROLS, hostileString, runs, timeout } from './fuzz.js';

// Property-based tests of the incoming message (OpenID 2.0 §4.1, §4.1.2, §12) and of the input
// step in front of it (src/protocol/input-limits.ts).
// Short mode by default (a few hundred runs per property); long mode: FUZZ_RUNS=20000
// (see test/fuzz/fuzz.ts; FUZZ_SEED replays a failure).

type Pairs = Array<[string, string]>;

const KNOWN_KEYS = ['mode', 'ns', 'return_to', 'realm', 'trust_root', 'identity', 'claimed_id', 'assoc_handle', 'ns.sreg', 'sreg.required', 'ns.ax', 'ax.mode', 'ns.openid', 'ns.', 'ns.a.b', 'sreg', ''];
const NAMESPACES = [NS_OPENID_2_0, NS_OPENID_1_1, 'http://openid.net/sreg/1.0', 'http://openid.net/srv/ax/1.0', '', 'urn:x'];

/** A key: mostly `openid.` + a known or hostile name, sometimes one the parser ignores. */
const key: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...KNOWN_KEYS).map((k) => `openid.${k}`),
  hostileString(3).map((k) => `openid.${k}`),
  hostileString(3),
  fc.constantFrom('openid', 'OPENID.mode', '__proto__', 'openid.__proto__', 'openid.constructor'),
);
const value: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...NAMESPACES), hostileString(4));
const pairs: fc.Arbitrary<Pairs> = fc.array(fc.tuple(key, value), { maxLength: 12 });

/** What may come out of the parser or the input step: a typed OpenID refusal, nothing else. */
function refusal(fn: () => unknown): OpenIdError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof OpenIdError)) throw new Error(`untyped error: ${String(error)}`, { cause: error });
    return error;
  }
}

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;
// C0 (NUL, TAB, CR, LF included), DEL and C1, by code point: what no openid.* field carries.
const isControl = (s: string): boolean => [...s].some((c) => c.codePointAt(0)! < 0x20 || (c.codePointAt(0)! >= 0x7f && c.codePointAt(0)! <= 0x9f));

describe('OpenID messages, fuzzed (OpenID 2.0 §4.1, §4.1.2, §12)', () => {
  it('parses random pairs or refuses them with InvalidRequest; what it parses holds every openid.* field, once', () => {
    fc.assert(
      fc.property(pairs, (input) => {
        let message: ReturnType<typeof parseOpenIdMessage> | undefined;
        const error = refusal(() => (message = parseOpenIdMessage(input)));
        if (error) {
          expect(error).toBeInstanceOf(InvalidRequest);
          return;
        }
        // OpenID 2.0 §4.1.2: the message is the openid.* parameters, their keys without the prefix.
        const openid = input.filter(([k]) => k.startsWith('openid.'));
        expect([...message!.fields]).toEqual(openid.map(([k, v]) => [k.slice('openid.'.length), v]));
      }),
      runs(300),
    );
  });

  it('refuses any message with a repeated openid.* parameter (§4.1), whatever else it holds', () => {
    const withDuplicate = fc.tuple(pairs, key.filter((k) => k.startsWith('openid.') && k.length > 'openid.'.length), value, value, fc.nat()).map(([rest, k, v1, v2, at]): Pairs => {
      const out = [...rest];
      out.splice(at % (out.length + 1), 0, [k, v1]);
      out.push([k, v2]);
      return out;
    });
    fc.assert(
      fc.property(withDuplicate, (input) => {
        expect(refusal(() => parseOpenIdMessage(input))).toBeInstanceOf(InvalidRequest);
      }),
      runs(300),
    );
  });

  it('input step: refuses exactly the messages over a limit, with a control character or a key that is not text, with the matching typed error', () => {
    // Small random limits, so that every limit is crossed often; the rule is written out here.
    const limits = fc.record({
      maxTotalBytes: fc.integer({ min: 0, max: 400 }),
      maxFields: fc.integer({ min: 0, max: 10 }),
      maxKeyBytes: fc.integer({ min: 0, max: 40 }),
      maxValueBytes: fc.integer({ min: 0, max: 80 }),
    });
    const input = fc.array(fc.tuple(fc.oneof(key, fc.constantFrom(...CONTROLS)), value), { maxLength: 14 });
    fc.assert(
      fc.property(input, limits, (message, limit: MessageLimits) => {
        const tooLarge =
          message.length > limit.maxFields ||
          message.some(([k, v]) => utf8Bytes(k) > limit.maxKeyBytes || utf8Bytes(v) > limit.maxValueBytes) ||
          message.reduce((n, [k, v]) => n + utf8Bytes(k) + utf8Bytes(v), 0) > limit.maxTotalBytes;
        // A key must also be text (§4.1): a lone surrogate cannot be named in the refusal.
        const control = message.some(([k, v]) => isControl(k) || isControl(v) || /\p{Cs}/u.test(k));
        const error = refusal(() => checkMessageLimits(message, limit));
        if (!tooLarge && !control) expect(error).toBeUndefined();
        else if (!control) expect(error).toBeInstanceOf(MessageTooLarge);
        else if (!tooLarge) expect(error).toBeInstanceOf(ForbiddenCharacter);
        else expect(error instanceof MessageTooLarge || error instanceof ForbiddenCharacter).toBe(true);
      }),
      runs(500),
    );
  });

  it('input step, default limits: huge field counts, over-long keys and values, NUL anywhere', { timeout: timeout(30_000) }, () => {
    const L = DEFAULT_MESSAGE_LIMITS;
    const hostile = fc.oneof(
      // More than 256 fields.
      fc.integer({ min: L.maxFields + 1, max: 5000 }).map((n): [Pairs, string] => [Array.from({ length: n }, (_, i) => [`openid.f${i}`, 'x']), 'fields']),
      // One key over 256 bytes (astral characters count four bytes each).
      fc.tuple(fc.integer({ min: 1, max: 200 }), fc.constantFrom('k', 'é', '😀')).map(([n, c]): [Pairs, string] => [[['openid.mode', 'checkid_setup'], [`openid.${c.repeat(Math.ceil((L.maxKeyBytes + n) / utf8Bytes(c)))}`, 'x']], 'key']),
      // One value over 16 KiB.
      fc.integer({ min: 1, max: 4000 }).map((n): [Pairs, string] => [[['openid.return_to', 'x'.repeat(L.maxValueBytes + n)]], 'value']),
      // Over 64 KiB in total, every field within its own limits.
      fc.integer({ min: 5, max: 10 }).map((n): [Pairs, string] => [Array.from({ length: n }, (_, i) => [`openid.f${i}`, 'v'.repeat(L.maxValueBytes)]), 'total']),
      // A control character in an otherwise valid message.
      fc.tuple(fc.constantFrom(...CONTROLS), fc.boolean()).map(([c, inKey]): [Pairs, string] => [[['openid.mode', 'checkid_setup'], inKey ? [`openid.re${c}alm`, 'https://rp.example/'] : ['openid.realm', `https://rp.example/${c}`]], 'control']),
    );
    fc.assert(
      fc.property(hostile, ([message, what]) => {
        const error = refusal(() => checkMessageLimits(message));
        expect(error).toBeInstanceOf(what === 'control' ? ForbiddenCharacter : MessageTooLarge);
      }),
      runs(100),
    );
  });

  it('every refusal of the input step or the parser can be answered: its text encodes as a direct and as an indirect error', () => {
    // The endpoint's order (src/auth/endpoint.service.ts): the input step, then the parser. The
    // error's message travels to the RP (§5.1.2.2 key-value `error`, §5.2.3 openid.error): it
    // must be encodable, short, and free of control characters.
    fc.assert(
      fc.property(pairs, fc.constantFrom<'2.0' | '1.x'>('2.0', '1.x'), (input, version) => {
        const error = refusal(() => {
          checkMessageLimits(input);
          parseOpenIdMessage(input);
        });
        if (!error) return;
        expect(() => encodeDirectError(error, version)).not.toThrow();
        expect(() => indirectErrorLocation('https://rp.example/back?x=1', error, version)).not.toThrow();
        expect(isControl(error.message)).toBe(false);
        expect(utf8Bytes(error.message)).toBeLessThanOrEqual(DEFAULT_MESSAGE_LIMITS.maxKeyBytes + 100);
      }),
      runs(300),
    );
  });
});
