import { btwoc, btwocBase64, decodeBase64Strict, unbtwoc, unbtwocBase64 } from '../../src/protocol/btwoc.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

interface Vectors {
  encode: Array<{ title: string; input: string; expected: { hex: string; base64: string } }>;
  decodeErrors: Array<{ title: string; inputHex: string; error: string }>;
  base64Decode: Array<{ title: string; input: string; expected: string }>;
  base64DecodeErrors: Array<{ title: string; input: string; error: string }>;
}

const vectors = loadVectors<Vectors>('btwoc');

describe('btwoc (OpenID 2.0 §4.2)', () => {
  it.each(vectors.encode)('encodes $title', ({ input, expected }) => {
    expect(btwoc(BigInt(input)).toString('hex')).toBe(expected.hex);
    expect(btwocBase64(BigInt(input))).toBe(expected.base64);
  });

  it.each(vectors.encode)('decodes back $title', ({ input, expected }) => {
    expect(unbtwoc(Buffer.from(expected.hex, 'hex'))).toBe(BigInt(input));
    expect(unbtwocBase64(expected.base64)).toBe(BigInt(input));
  });

  it.each(vectors.decodeErrors)('refuses $title', ({ inputHex, error }) => {
    expectThrowsNamed(() => unbtwoc(Buffer.from(inputHex, 'hex')), error);
  });

  it('refuses to encode a negative number (OpenID integers are non-negative)', () => {
    expectThrowsNamed(() => btwoc(-1n), 'RangeError');
  });

  it('decodes a subarray view correctly (byteOffset respected)', () => {
    const backing = Buffer.from('ff0080ff', 'hex');
    expect(unbtwoc(backing.subarray(1, 3))).toBe(128n);
  });

  it.each(vectors.base64Decode)('base64: $title', ({ input, expected }) => {
    expect(unbtwocBase64(input)).toBe(BigInt(expected));
  });

  it.each(vectors.base64DecodeErrors)('base64 refuses: $title', ({ input, error }) => {
    expectThrowsNamed(() => unbtwocBase64(input), error);
  });

  it('decodeBase64Strict accepts canonical base64 of every length modulo 3', () => {
    for (const hex of ['', '00', '0001', '000102']) {
      const text = Buffer.from(hex, 'hex').toString('base64');
      expect(decodeBase64Strict(text).toString('hex')).toBe(hex);
    }
  });
});
