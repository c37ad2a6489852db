import type { AssocType } from '../../src/protocol/consts.js';
import { encodeKeyValueForm } from '../../src/protocol/kv-form.js';
import {
  computeSignature,
  missingSignedFields,
  parseSignedList,
  requiredSignedFields,
  signFields,
  verifySignature,
} from '../../src/protocol/signing.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

type Pairs = Array<[string, string]>;
interface Vectors {
  fields: Pairs;
  signatures: Array<{
    title: string;
    input: { assocType: AssocType; macKeyHex: string; signed: string; kvForm: string };
    expected: string;
  }>;
  signFields: Array<{
    title: string;
    input: { assocType: AssocType; macKeyHex: string; fields: Pairs };
    expected: { signed: string; kvForm: string; sig: string };
  }>;
  verify: Array<{
    title: string;
    input: { assocType: AssocType; macKeyHex: string; fields: Pairs };
    expected?: boolean;
    error?: string;
  }>;
}

const vectors = loadVectors<Vectors>('signing');
const fields = new Map(vectors.fields);
const key = (hex: string) => Buffer.from(hex, 'hex');

describe('Signatures (OpenID 2.0 §6, §10.1, §11.4.1)', () => {
  it.each(vectors.signatures)('$title', ({ input, expected }) => {
    const signedList = parseSignedList(input.signed, fields);
    // §6.1 step 3: the signed octets are exactly the literal kv-form of the vector.
    expect(encodeKeyValueForm(signedList.map((k) => [k, fields.get(k)!]))).toBe(input.kvForm);
    expect(computeSignature(input.assocType, key(input.macKeyHex), fields, signedList)).toBe(expected);
  });

  it('§6.1 step 2: reordering the signed list changes the signature', () => {
    const [sha1, sha256, sha1Reversed, sha256Reversed] = vectors.signatures;
    expect(sha1Reversed.input.signed.split(',').sort()).toEqual(sha1.input.signed.split(',').sort());
    expect(sha1Reversed.expected).not.toBe(sha1.expected);
    expect(sha256Reversed.expected).not.toBe(sha256.expected);
  });

  it.each(vectors.signFields)('$title', ({ input, expected }) => {
    const signed = signFields(input.assocType, key(input.macKeyHex), input.fields);
    expect(signed.slice(0, input.fields.length)).toEqual(input.fields);
    expect(signed.at(-2)).toEqual(['signed', expected.signed]);
    expect(signed.at(-1)).toEqual(['sig', expected.sig]);
    const map = new Map(signed);
    expect(encodeKeyValueForm(parseSignedList(expected.signed, map).map((k) => [k, map.get(k)!]))).toBe(expected.kvForm);
    expect(verifySignature(input.assocType, key(input.macKeyHex), map)).toBe(true);
  });

  it.each(vectors.verify)('verify: $title', ({ input, expected, error }) => {
    const map = new Map(input.fields);
    if (error) expectThrowsNamed(() => verifySignature(input.assocType, key(input.macKeyHex), map), error);
    else expect(verifySignature(input.assocType, key(input.macKeyHex), map)).toBe(expected);
  });

  it('refuses keys of the wrong length for the association type (§6.2)', () => {
    expectThrowsNamed(() => computeSignature('HMAC-SHA1', Buffer.alloc(32), fields, ['mode']), 'RangeError');
    expectThrowsNamed(() => computeSignature('HMAC-SHA256', Buffer.alloc(20), fields, ['mode']), 'RangeError');
  });

  it('signFields refuses fields that already carry signed/sig, and values with newlines (§4.1.1)', () => {
    expectThrowsNamed(() => signFields('HMAC-SHA1', Buffer.alloc(20), [['sig', 'x']]), 'RangeError');
    expectThrowsNamed(() => signFields('HMAC-SHA1', Buffer.alloc(20), [['error', 'a\nb']]), 'InvalidRequest');
  });

  describe('§10.1 required signed fields', () => {
    it('2.0 positive assertion with identifiers', () => {
      expect(requiredSignedFields(fields, '2.0')).toEqual([
        'op_endpoint',
        'return_to',
        'response_nonce',
        'assoc_handle',
        'claimed_id',
        'identity',
      ]);
    });
    it('2.0 assertion without identifiers (extension-only, §10.1)', () => {
      const noIds = new Map([...fields].filter(([k]) => k !== 'claimed_id' && k !== 'identity'));
      expect(requiredSignedFields(noIds, '2.0')).toEqual(['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle']);
    });
    it('1.1 compatibility (§14.2.2 no op_endpoint; identity always sent)', () => {
      expect(requiredSignedFields(fields, '1.x')).toEqual(['return_to', 'identity']);
    });
    it('reports what a signed list misses', () => {
      const list = 'op_endpoint,return_to,response_nonce,identity'.split(',');
      expect(missingSignedFields(list, requiredSignedFields(fields, '2.0'))).toEqual(['assoc_handle', 'claimed_id']);
    });
  });
});
