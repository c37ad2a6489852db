import { decodeKeyValueForm, encodeKeyValueForm, encodeKeyValueFormBytes } from '../../src/protocol/kv-form.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

type Pairs = Array<[string, string]>;
interface Vectors {
  encode: Array<{ title: string; input: Pairs; expected: string }>;
  encodeErrors: Array<{ title: string; input: Pairs; error: string }>;
  decode: Array<{ title: string; input?: string; inputHex?: string; expected: Pairs }>;
  decodeErrors: Array<{ title: string; input?: string; inputHex?: string; error: string }>;
}

const vectors = loadVectors<Vectors>('kv-form');
const decodeInput = (v: { input?: string; inputHex?: string }): string | Uint8Array =>
  v.inputHex !== undefined ? Buffer.from(v.inputHex, 'hex') : v.input!;

describe('Key-Value Form (OpenID 2.0 §4.1.1)', () => {
  describe('encode', () => {
    it.each(vectors.encode)('$title', ({ input, expected }) => {
      expect(encodeKeyValueForm(input)).toBe(expected);
      expect(encodeKeyValueFormBytes(input).equals(Buffer.from(expected, 'utf8'))).toBe(true);
    });
    it.each(vectors.encodeErrors)('$title', ({ input, error }) => {
      expectThrowsNamed(() => encodeKeyValueForm(input), error);
    });
  });

  describe('decode', () => {
    it.each(vectors.decode)('$title', (v) => {
      expect(decodeKeyValueForm(decodeInput(v))).toEqual(v.expected);
    });
    it.each(vectors.decodeErrors)('$title', (v) => {
      expectThrowsNamed(() => decodeKeyValueForm(decodeInput(v)), v.error);
    });
    it.each(vectors.decode.filter((v) => v.input !== undefined))('round trip as bytes: $title', (v) => {
      expect(decodeKeyValueForm(Buffer.from(v.input!, 'utf8'))).toEqual(v.expected);
      expect(encodeKeyValueForm(v.expected)).toBe(v.input);
    });
  });
});
