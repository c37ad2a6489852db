import { randomBytes } from 'node:crypto';
import {
  TRANSACTION_CODE_ALPHABET,
  buildConfirmMessage,
  classifyApprovalStanza,
  generateTransactionCode,
  normalizeTransactionCode,
  readApprovalReply,
  type ConfirmRequest,
  type PendingApproval,
} from '../../src/xmpp/http-auth.js';
import { parseXml, serializeXml } from '../../src/xmpp/xmpp-connector.js';
import { byteStream } from '../protocol/vectors.js';
import { loadVectors } from './vectors.js';

interface Vectors {
  build: Array<{ title: string; input: ConfirmRequest; expected: string }>;
  read: Array<{ title: string; input: string; expected: Record<string, string> | null }>;
  classify: Array<{ title: string; input: { stanza: string; pending: PendingApproval }; expected: string }>;
  normalizeCode: Array<{ title: string; input: string; expected: string | null }>;
  generate: Array<{ title: string; input: number[]; expected: string }>;
}

const vectors = loadVectors<Vectors>('http-auth');

describe('XEP-0070 approval stanzas', () => {
  it.each(vectors.build)('confirm request: $title', ({ input, expected }) => {
    expect(serializeXml(buildConfirmMessage(input))).toBe(expected);
  });

  it.each(vectors.read)('reply: $title', ({ input, expected }) => {
    const reply = readApprovalReply(parseXml(input));
    if (expected === null) expect(reply).toBeUndefined();
    else expect(Object.fromEntries(Object.entries(reply ?? {}).filter(([, v]) => v !== undefined))).toEqual(expected);
  });

  it.each(vectors.classify)('classify: $title', ({ input, expected }) => {
    expect(classifyApprovalStanza(parseXml(input.stanza), input.pending)).toBe(expected);
  });

  it('reads a huge or binary body without trouble, and as no answer', () => {
    const huge = `<message type='chat' from='romeo@montague.lit/x'><body>yes ${'A'.repeat(100_000)}</body></message>`;
    expect(readApprovalReply(parseXml(huge))).toBeUndefined();
    const tree = { name: 'message', attrs: { type: 'chat', from: 'romeo@montague.lit/x' }, children: [{ name: 'body', attrs: {}, children: ['yes \u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000'] }] };
    expect(readApprovalReply(tree)).toBeUndefined();
  });
});

describe('transaction codes', () => {
  it.each(vectors.normalizeCode)('normalize: $title', ({ input, expected }) => {
    expect(normalizeTransactionCode(input) ?? null).toBe(expected);
  });

  it.each(vectors.generate)('generate: $title', ({ input, expected }) => {
    expect(generateTransactionCode(byteStream(input))).toBe(expected);
  });

  it('draws 8 symbols of a 32-symbol alphabet (2^40 codes) with no lookalikes (I, L, O, U)', () => {
    expect(new Set(TRANSACTION_CODE_ALPHABET).size).toBe(32);
    expect(32 ** 8).toBe(2 ** 40);
    expect(TRANSACTION_CODE_ALPHABET).not.toMatch(/[ILOU]/);
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i += 1) {
      const code = generateTransactionCode((n) => randomBytes(n));
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
      expect(normalizeTransactionCode(code)).toBe(code);
      seen.add(code);
      for (const ch of code) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(seen.size).toBe(2000);
    // 16,000 symbols, 500 expected each: every symbol is used, none wildly over-represented.
    expect(counts.size).toBe(32);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(350);
      expect(count).toBeLessThan(650);
    }
  });
});
