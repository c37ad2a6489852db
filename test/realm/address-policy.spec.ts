import { readFileSync } from 'node:fs';
import { classifyAddress, isPublicAddress, type AddressCategory } from '../../src/realm/address-policy.js';

interface Vectors {
  classify: Array<{ title: string; input: string; expected: AddressCategory }>;
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/address-policy.json', import.meta.url), 'utf8')) as Vectors;

describe('Address policy (SSRF guard)', () => {
  it('has at least 40 vectors, IPv4 and IPv6, with mapped forms', () => {
    expect(vectors.classify.length).toBeGreaterThanOrEqual(40);
    expect(vectors.classify.filter((v) => v.input.includes(':')).length).toBeGreaterThanOrEqual(20);
    expect(vectors.classify.filter((v) => v.input.startsWith('::ffff:')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(vectors.classify)('$title: $input → $expected', ({ input, expected }) => {
    expect(classifyAddress(input)).toBe(expected);
    expect(isPublicAddress(input)).toBe(expected === 'public');
  });
});
