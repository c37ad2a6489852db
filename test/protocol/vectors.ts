// Shared helpers for the vector-driven protocol specs: every vector file lives in ./vectors and
// every entry carries a `title` naming its source (spec section, python-openid behaviour, or an
// independent computation, see vectors/README.md).

import { readFileSync } from 'node:fs';

import type { RandomBytes } from '../../src/protocol/random.js';

export interface Vector<I, E> {
  readonly title: string;
  readonly input: I;
  readonly expected?: E;
  readonly error?: string;
}

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8')) as T;
}

/** A deterministic "random" source: the given bytes in order, then zeros. */
export function byteStream(bytes: readonly number[]): RandomBytes {
  let position = 0;
  return (size: number) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i += 1) {
      out[i] = position < bytes.length ? bytes[position] : 0;
      position += 1;
    }
    return out;
  };
}

/** Runs `fn` and asserts it throws an error whose class name is `name`. */
export function expectThrowsNamed(fn: () => unknown, name: string): Error {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected an error to be thrown').toBeInstanceOf(Error);
  expect((caught as Error).name).toBe(name);
  return caught as Error;
}

/** Inputs written as `{ "repeat": "x", "count": 255 }` stand for long strings. */
export function expand(input: string | { repeat: string; count: number }): string {
  return typeof input === 'string' ? input : input.repeat.repeat(input.count);
}
