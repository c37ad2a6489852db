import { checkMessageLimits, DEFAULT_MESSAGE_LIMITS, type MessageLimits } from '../../src/protocol/input-limits.js';
import { expand, expectThrowsNamed, loadVectors } from './vectors.js';

// The input step in front of the message parser: size, field count, key and value lengths, and
// control characters (NUL, C0 with TAB/CR/LF, DEL, C1), refused before anything is parsed or stored.

type Text = string | { repeat: string; count: number };
interface Input {
  pairs: [Text, Text][];
  repeatPairs?: { key: string; value: string; count: number };
  limits?: Partial<MessageLimits>;
}
interface Vectors {
  pass: { title: string; input: Input }[];
  errors: { title: string; input: Input; error: string; message: string }[];
}

const vectors = loadVectors<Vectors>('input-limits');

function pairs(input: Input): [string, string][] {
  const out = input.pairs.map(([k, v]): [string, string] => [expand(k), expand(v)]);
  for (let i = 0; i < (input.repeatPairs?.count ?? 0); i++) out.push([`${input.repeatPairs!.key}${i}`, input.repeatPairs!.value]);
  return out;
}

function limits(input: Input): MessageLimits {
  return { ...DEFAULT_MESSAGE_LIMITS, ...input.limits };
}

describe(checkMessageLimits.name, () => {
  it.each(vectors.pass)('passes: $title', ({ input }) => {
    expect(() => checkMessageLimits(pairs(input), limits(input))).not.toThrow();
  });

  it.each(vectors.errors)('refuses: $title', ({ input, error, message }) => {
    const thrown = expectThrowsNamed(() => checkMessageLimits(pairs(input), limits(input)), error);
    // The message travels to the RP (kv `error`, openid.error): it never carries the value.
    expect(thrown.message).toBe(message);
    expect(thrown).toMatchObject({ code: error === 'ForbiddenCharacter' ? 'forbidden_character' : 'message_too_large', allowRedirect: true });
  });

  it('uses the defaults when no limits are given', () => {
    expect(() => checkMessageLimits([['openid.x', 'a\u0000']])).toThrow('Parameter openid.x contains a control character');
  });
});
