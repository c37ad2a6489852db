import {
  createResponseNonce,
  formatNonceTime,
  isNonceTimeWithinWindow,
  parseResponseNonce,
} from '../../src/protocol/nonce.js';
import { byteStream, expectThrowsNamed, loadVectors } from './vectors.js';

interface Vectors {
  format: Array<{ title: string; input: string; expected: string }>;
  parse: Array<{ title: string; input: string; expected: { time: string; suffix?: string; suffixLength?: number } }>;
  parseErrors: Array<{ title: string; input: string; error: string }>;
  window: Array<{
    title: string;
    input: { time: string; now: string; maxAgeSeconds: number; maxFutureSeconds: number };
    expected: boolean;
  }>;
}

const vectors = loadVectors<Vectors>('nonce');
const NONCE_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z[\x21-\x7e]*$/;

describe('response_nonce (OpenID 2.0 §10.1, §11.3)', () => {
  it.each(vectors.format)('formats $title', ({ input, expected }) => {
    expect(formatNonceTime(new Date(input))).toBe(expected);
  });

  it.each(vectors.parse)('parses $title', ({ input, expected }) => {
    const parsed = parseResponseNonce(input);
    expect(parsed.time.toISOString()).toBe(expected.time);
    if (expected.suffix !== undefined) expect(parsed.suffix).toBe(expected.suffix);
    if (expected.suffixLength !== undefined) expect(parsed.suffix).toHaveLength(expected.suffixLength);
  });

  it.each(vectors.parseErrors)('refuses $title', ({ input, error }) => {
    expectThrowsNamed(() => parseResponseNonce(input), error);
  });

  it.each(vectors.window)('window: $title', ({ input, expected }) => {
    const { time, now, ...window } = input;
    expect(isNonceTimeWithinWindow(new Date(time), new Date(now), window)).toBe(expected);
  });

  it('fresh nonces: §10.1 format, at most 255 characters, time round-trips, suffixes differ', async () => {
    const { randomBytes } = await import('node:crypto');
    const now = new Date('2024-06-01T12:34:56.789Z');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const nonce = createResponseNonce(now, randomBytes);
      expect(nonce).toMatch(NONCE_FORMAT);
      expect(nonce.length).toBeLessThanOrEqual(255);
      expect(nonce).toHaveLength(20 + 16);
      expect(parseResponseNonce(nonce).time.toISOString()).toBe('2024-06-01T12:34:56.000Z');
      seen.add(nonce);
    }
    expect(seen.size).toBe(200);
    expect(isNonceTimeWithinWindow(parseResponseNonce(createResponseNonce(now, randomBytes)).time, now, { maxAgeSeconds: 0, maxFutureSeconds: 0 })).toBe(true);
  });

  it('a deterministic nonce from an injected clock and random source', () => {
    expect(createResponseNonce(new Date('2005-05-15T17:11:51Z'), byteStream([25, 26]))).toBe('2005-05-15T17:11:51ZZaAAAAAAAAAAAAAA');
  });

  it('refuses an invalid window', () => {
    expectThrowsNamed(() => isNonceTimeWithinWindow(new Date(), new Date(), { maxAgeSeconds: -1, maxFutureSeconds: 0 }), 'RangeError');
  });
});
