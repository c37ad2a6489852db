import { PAIRWISE_PATTERN, pairwiseSubject } from '../../src/protocol/pairwise.js';
import { loadVectors } from './vectors.js';

interface Vectors {
  key: string;
  derive: Array<{ title: string; input: { sector: string; accountId: string }; expected: string }>;
}

const vectors = loadVectors<Vectors>('pairwise');
const key = Buffer.from(vectors.key, 'hex');

describe('pairwise identifiers (OpenID Connect Core 1.0 §8.1; OpenID 2.0 private identifiers)', () => {
  it.each(vectors.derive)('derives $title', ({ input, expected }) => {
    const value = pairwiseSubject(key, input.sector, input.accountId);
    expect(value).toBe(expected);
    expect(value).toMatch(PAIRWISE_PATTERN);
  });

  it('differs under another key', () => {
    const { input, expected } = vectors.derive[0]!;
    expect(pairwiseSubject(Buffer.alloc(32, 1), input.sector, input.accountId)).not.toBe(expected);
  });
});
