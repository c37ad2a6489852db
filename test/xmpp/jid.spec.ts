import { bareJid, parseBareJid, parseJid, sameBareJid } from '../../src/xmpp/jid.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

interface Vectors {
  parse: Array<{ title: string; input: string; expected?: Record<string, string>; error?: string }>;
  bare: Array<{ title: string; input: string; expected: string }>;
  same: Array<{ title: string; input: [string, string]; expected: boolean }>;
  bareJid: Array<{ title: string; input: string; expected?: Record<string, string>; error?: string }>;
}

const vectors = loadVectors<Vectors>('jid');

describe('JIDs (RFC 7622)', () => {
  it.each(vectors.parse)('parse: $title', ({ input, expected, error }) => {
    if (error) {
      expectThrowsNamed(() => parseJid(input), error);
      return;
    }
    const jid = parseJid(input);
    expect(Object.fromEntries(Object.entries(jid).filter(([, v]) => v !== undefined))).toEqual(expected);
  });

  it.each(vectors.bare)('bare: $title', ({ input, expected }) => {
    expect(bareJid(input)).toBe(expected);
  });

  it.each(vectors.same)('same account: $title', ({ input, expected }) => {
    expect(sameBareJid(input[0], input[1])).toBe(expected);
  });

  it.each(vectors.bareJid)('configured bare JID: $title', ({ input, expected, error }) => {
    if (error) {
      expectThrowsNamed(() => parseBareJid(input), error);
      return;
    }
    expect(parseBareJid(input)).toEqual(expected);
  });

  it('refuses a JID of more than three times 1023 bytes without looking further (RFC 7622 §3.1)', () => {
    expectThrowsNamed(() => parseJid(`${'a'.repeat(2000)}@${'b'.repeat(2000)}`), 'InvalidJid');
  });
});
