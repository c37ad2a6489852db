import {
  checkAssociationRequest,
  sessionTypeForResponse,
  type AssociationRequestInput,
} from '../../src/protocol/association-types.js';
import type { AssocType, OpenIdVersion, SessionType } from '../../src/protocol/consts.js';
import { UnsupportedAssociationType } from '../../src/protocol/errors.js';
import { expectThrowsNamed, loadVectors } from './vectors.js';

interface RawInput {
  version: OpenIdVersion;
  assocType: string | null;
  sessionType: string | null;
  overTls: boolean;
  allowedAssocTypes?: AssocType[];
  allowedSessionTypes?: SessionType[];
}
interface Case {
  title: string;
  input: RawInput;
  expected?: { assocType: string; sessionType: string; macKeyLength: number };
  error?: string;
  extra?: Record<string, string>;
}
interface Vectors {
  matrix: Case[];
  policy: Case[];
  responseSessionType: Array<{ title: string; input: { version: OpenIdVersion; sessionType: SessionType }; expected: string | null }>;
}

const vectors = loadVectors<Vectors>('association-types');

function toInput(raw: RawInput): AssociationRequestInput {
  return { ...raw, assocType: raw.assocType ?? undefined, sessionType: raw.sessionType ?? undefined };
}

function run({ input, expected, error, extra }: Case): void {
  if (expected) {
    expect(checkAssociationRequest(toInput(input))).toEqual(expected);
    return;
  }
  const thrown = expectThrowsNamed(() => checkAssociationRequest(toInput(input)), error!);
  if (thrown instanceof UnsupportedAssociationType) {
    // §8.2.4: error_code "unsupported-type" plus the pair the RP may retry with.
    expect(thrown.errorCode).toBe('unsupported-type');
    expect(thrown.extra).toEqual(extra);
    // The suggestion itself must be accepted when retried (same version and transport).
    if (extra && extra.assoc_type) {
      const retry = checkAssociationRequest({
        ...toInput(input),
        assocType: extra.assoc_type,
        sessionType: extra.session_type,
      });
      expect(retry.assocType).toBe(extra.assoc_type);
    }
  }
}

describe('Association type negotiation (OpenID 2.0 §8.1.1, §8.2.4, §8.3, §8.4, §14.2)', () => {
  it('covers every combination of version, assoc_type, session_type and transport', () => {
    expect(vectors.matrix).toHaveLength(2 * 4 * 6 * 2);
  });
  it.each(vectors.matrix)('$title', run);
  it.each(vectors.policy)('$title', run);
  it.each(vectors.responseSessionType)('$title', ({ input, expected }) => {
    expect(sessionTypeForResponse(input.version, input.sessionType)).toBe(expected ?? undefined);
  });
});
