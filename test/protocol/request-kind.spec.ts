import { classifyRequest } from '../../src/protocol/request-kind.js';
import { loadVectors } from './vectors.js';

// Direct or indirect, and which version answers (OpenID 2.0 §5.1.2.2, §5.2.3, §14.2.1): read
// from the raw pairs before anything else, so that every error is answered in the right shape.

interface Vectors {
  classify: { title: string; input: { method: string; pairs: [string, string][] }; expected: { mode: string | null; direct: boolean; version: string } }[];
}

describe(classifyRequest.name, () => {
  it.each(loadVectors<Vectors>('request-kind').classify)('$title', ({ input, expected }) => {
    const kind = classifyRequest(input.method, input.pairs);
    expect(kind.mode).toBe(expected.mode ?? undefined);
    expect(kind.answer).toEqual({ direct: expected.direct, version: expected.version });
  });
});
