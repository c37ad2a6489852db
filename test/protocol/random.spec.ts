import { randomBytes } from 'node:crypto';

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
