import { randomBytes } from 'node:crypto';
import { RandomPool } from '../../src/common/random.js';

import {
  ALPHANUMERIC,
  createAssociationHandle,
  isValidAssociationHandle,
  randomToken,
  type AssociationKind,
} from '../../src/protocol/random.js';
import { createResponseNonce } from '../../src/protocol/nonce.js';
import { byteStream, expand, expectThrowsNamed, loadVectors } from './vectors.js';

interface Vectors {
  randomToken: Array<{ title: string; input: { alphabet: string; length: number; bytes: number[] }; expected: string }>;
  randomTokenErrors: Array<{ title: string; input: { alphabet: string; length: number }; error: string }>;
  associationHandle: Array<{ title: string; input: { now: string; kind: AssociationKind; bytes: number[] }; expected: string }>;
  isValidAssociationHandle: Array<{ title: string; input: string | { repeat: string; count: number }; expected: boolean }>;
  responseNonce: Array<{ title: string; input: { now: string; bytes: number[] }; expected: string }>;
}

const vectors = loadVectors<Vectors>('random');

describe('random tokens, handles and nonces', () => {
  it.each(vectors.randomToken)('$title', ({ input, expected }) => {
    expect(randomToken(byteStream(input.bytes), input.length, input.alphabet)).toBe(expected);
  });

  it.each(vectors.randomTokenErrors)('refuses: $title', ({ input, error }) => {
    expectThrowsNamed(() => randomToken(randomBytes, input.length, input.alphabet), error);
  });

  it('is uniform enough: every alphanumeric appears, nothing else does', () => {
    const token = randomToken(randomBytes, 20_000, ALPHANUMERIC);
    const counts = new Map<string, number>();
    for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe([...ALPHANUMERIC].sort().join(''));
    // Expected 322.6 per character; a modulo-biased mapping would put A..H near 400.
    for (const count of counts.values()) expect(count).toBeLessThan(420);
  });

  it.each(vectors.associationHandle)('$title', ({ input, expected }) => {
    const handle = createAssociationHandle(new Date(input.now), input.kind, byteStream(input.bytes));
    expect(handle).toBe(expected);
    expect(isValidAssociationHandle(handle)).toBe(true);
  });

  it('fresh handles are valid per §8.2.1 and unique', () => {
    const handles = new Set<string>();
    for (let i = 0; i < 100; i += 1) {
      const handle = createAssociationHandle(new Date(), 'shared', randomBytes);
      expect(isValidAssociationHandle(handle)).toBe(true);
      expect(handle.length).toBeLessThanOrEqual(255);
      handles.add(handle);
    }
    expect(handles.size).toBe(100);
  });

  it.each(vectors.isValidAssociationHandle)('isValidAssociationHandle: $title', ({ input, expected }) => {
    expect(isValidAssociationHandle(expand(input))).toBe(expected);
  });

  it.each(vectors.responseNonce)('$title', ({ input, expected }) => {
    expect(createResponseNonce(new Date(input.now), byteStream(input.bytes))).toBe(expected);
  });
});

describe('RandomPool (the CSPRNG behind Random)', () => {
  it('hands out every byte once, as a copy, and leaves nothing it gave away in the pool', () => {
    const pool = new RandomPool();
    const seen = new Set<string>();
    // Several refills of the 4 KiB pool: 32-byte tokens never repeat.
    for (let i = 0; i < 1000; i++) {
      const token = pool.take(32);
      expect(token.length).toBe(32);
      const text = token.toString('hex');
      expect(seen.has(text)).toBe(false);
      seen.add(text);
    }
    const inner = (pool as unknown as { pool: Buffer; offset: number }).pool;
    const given = pool.take(16);
    const offset = (pool as unknown as { offset: number }).offset;
    expect(inner.subarray(offset - 16, offset).equals(Buffer.alloc(16))).toBe(true);
    // A copy: zeroing the pool did not zero what was handed out (all-zero 16 bytes: 2^-128).
    expect(given.equals(Buffer.alloc(16))).toBe(false);
    expect(pool.take(1000).length).toBe(1000);
    expect(pool.take(0).length).toBe(0);
  });

  it('gives uniformly distributed bytes', () => {
    const pool = new RandomPool();
    const counts = new Array<number>(256).fill(0);
    const n = 256 * 400;
    for (let i = 0; i < n / 64; i++) for (const b of pool.take(64)) counts[b]!++;
    // Chi-square with 255 degrees of freedom: above 400 has probability < 1e-8.
    const chi = counts.reduce((sum, c) => sum + (c - 400) ** 2 / 400, 0);
    expect(chi).toBeLessThan(400);
  });
});
