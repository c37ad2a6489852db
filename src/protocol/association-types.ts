// Association type negotiation (OpenID 2.0 §8.1.1, §8.2.4, §8.3, §8.4, §14.2.2).
//
// Supported pairs:
//   HMAC-SHA1   with DH-SHA1   or no-encryption
//   HMAC-SHA256 with DH-SHA256 or no-encryption
// §8.4.2 requires the MAC key to be as long as the session's hash output *and* the signature
// algorithm's key, so a DH session only goes with the HMAC of the same hash. §8.4.1 forbids
// no-encryption without transport layer encryption. OpenID 1.1 only knows HMAC-SHA1 (§14.2) and
// spells no-encryption as a blank or missing session_type (§14.2.1, §14.2.2).

import { AssocType, SessionType, Field, type OpenIdVersion } from './consts.js';
import { InvalidRequest, UnsupportedAssociationType } from './errors.js';

/** OpenID 2.0 §6.2: HMAC-SHA1 uses a 160-bit key, HMAC-SHA256 a 256-bit key. */
export const MAC_KEY_LENGTH: Readonly<Record<AssocType, number>> = Object.freeze({
  [AssocType.hmacSha1]: 20,
  [AssocType.hmacSha256]: 32,
});

/** OpenID 2.0 §8.4.2: the hash H of a DH session, and its output length in bytes. */
export const DH_SESSION_HASH: Readonly<Record<'DH-SHA1' | 'DH-SHA256', { hash: 'sha1' | 'sha256'; length: number }>> =
  Object.freeze({
    [SessionType.dhSha1]: { hash: 'sha1', length: 20 },
    [SessionType.dhSha256]: { hash: 'sha256', length: 32 },
  });

const ASSOC_TYPES: readonly AssocType[] = [AssocType.hmacSha256, AssocType.hmacSha1];
const SESSION_TYPES: readonly SessionType[] = [SessionType.dhSha256, SessionType.dhSha1, SessionType.noEncryption];

/** The DH session type whose hash matches an association type (§8.4.2). */
const MATCHING_DH: Readonly<Record<AssocType, SessionType>> = {
  [AssocType.hmacSha1]: SessionType.dhSha1,
  [AssocType.hmacSha256]: SessionType.dhSha256,
};

export function isAssocType(value: string): value is AssocType {
  return (ASSOC_TYPES as readonly string[]).includes(value);
}

export function isSessionType(value: string): value is SessionType {
  return (SESSION_TYPES as readonly string[]).includes(value);
}

/** Whether an (assoc_type, session_type) pair is coherent per §8.4.1 and §8.4.2 (TLS aside). */
export function isSupportedPair(assocType: AssocType, sessionType: SessionType): boolean {
  return sessionType === SessionType.noEncryption || MATCHING_DH[assocType] === sessionType;
}

export interface AssociationRequestInput {
  readonly version: OpenIdVersion;
  /** `openid.assoc_type` as received; undefined when absent. */
  readonly assocType: string | undefined;
  /** `openid.session_type` as received; undefined when absent. */
  readonly sessionType: string | undefined;
  /** Whether the request reached us over TLS (directly or via a trusted proxy). */
  readonly overTls: boolean;
  /** Policy: association types this OP accepts (default: both). */
  readonly allowedAssocTypes?: readonly AssocType[];
  /** Policy: session types this OP accepts (default: all three). */
  readonly allowedSessionTypes?: readonly SessionType[];
}

export interface NegotiatedAssociation {
  readonly assocType: AssocType;
  readonly sessionType: SessionType;
  /** Length of the MAC key to generate (§6.2, §8.4.1, §8.4.2). */
  readonly macKeyLength: number;
}

/**
 * Checks an associate request's types (OpenID 2.0 §8.1.1) against the supported matrix and the
 * OP's policy. Returns the pair to use, or throws:
 *   - InvalidRequest for a malformed request (2.0 without assoc_type or session_type, §4.1 "all
 *     parameters REQUIRED"; 1.x with session_type "no-encryption", which §14.2.1 forbids);
 *   - UnsupportedAssociationType (§8.2.4, error_code "unsupported-type") when the pair is not
 *     supported, not allowed, or is no-encryption without TLS (§8.4.1); its `extra` carries an
 *     `assoc_type`/`session_type` pair the RP can retry with, when one exists.
 */
export function checkAssociationRequest(input: AssociationRequestInput): NegotiatedAssociation {
  const allowedAssoc = input.allowedAssocTypes ?? ASSOC_TYPES;
  const allowedSession = input.allowedSessionTypes ?? SESSION_TYPES;
  const { version, overTls } = input;

  let assocTypeRaw = input.assocType;
  let sessionTypeRaw = input.sessionType;
  if (version === '1.x') {
    // OpenID 2.0 §14.2.2: OPs MUST accept association requests with no assoc_type and assume
    // HMAC-SHA1.
    if (assocTypeRaw === undefined) assocTypeRaw = AssocType.hmacSha1;
    // OpenID 2.0 §14.2.1: RPs MUST NOT send session_type "no-encryption" in 1.1.
    if (sessionTypeRaw === SessionType.noEncryption) {
      throw new InvalidRequest('session_type "no-encryption" is not valid in OpenID 1.1', {
        detail: 'OpenID 2.0 §14.2.1: 1.1 spells no-encryption as a blank or missing session_type',
      });
    }
    // OpenID 2.0 §14.2.1, §14.2.2: blank or missing session_type means no-encryption in 1.1.
    if (sessionTypeRaw === undefined || sessionTypeRaw === '') sessionTypeRaw = SessionType.noEncryption;
  } else {
    // OpenID 2.0 §4.1, §8.1.1: assoc_type and session_type are REQUIRED.
    if (assocTypeRaw === undefined) throw new InvalidRequest('Missing openid.assoc_type');
    if (sessionTypeRaw === undefined) throw new InvalidRequest('Missing openid.session_type');
  }

  const refuse = (reason: string): never => {
    throw new UnsupportedAssociationType(reason, {
      detail: `assoc_type=${JSON.stringify(input.assocType)} session_type=${JSON.stringify(input.sessionType)} tls=${overTls}`,
      extra: suggestPair(version, assocTypeRaw, overTls, allowedAssoc, allowedSession),
    });
  };

  // OpenID 2.0 §14.2: OpenID Authentication 1.1 supports only HMAC-SHA1 associations.
  const knownAssoc = version === '1.x' ? assocTypeRaw === AssocType.hmacSha1 : isAssocType(assocTypeRaw);
  if (!knownAssoc || !allowedAssoc.includes(assocTypeRaw as AssocType)) {
    return refuse('Unsupported association type');
  }
  const assocType = assocTypeRaw as AssocType;
  const knownSession = version === '1.x' ? sessionTypeRaw !== SessionType.dhSha256 && isSessionType(sessionTypeRaw) : isSessionType(sessionTypeRaw);
  if (!knownSession || !allowedSession.includes(sessionTypeRaw as SessionType)) {
    return refuse('Unsupported association session type');
  }
  const sessionType = sessionTypeRaw as SessionType;
  // OpenID 2.0 §8.4.1: no-encryption MUST NOT be used without transport layer encryption.
  if (sessionType === SessionType.noEncryption && !overTls) {
    return refuse('The no-encryption session type requires TLS');
  }
  // OpenID 2.0 §8.4.2: a DH session's hash length must equal the MAC key length.
  if (!isSupportedPair(assocType, sessionType)) {
    return refuse('Session type does not match the association type');
  }
  return { assocType, sessionType, macKeyLength: MAC_KEY_LENGTH[assocType] };
}

/**
 * A pair the RP may retry with (OpenID 2.0 §8.2.4: "the OP SHOULD include that information").
 * Keeps the requested association type when we support it, otherwise prefers HMAC-SHA256 (§6.2
 * RECOMMENDS it) in 2.0 and HMAC-SHA1 in 1.1; pairs it with the matching DH session, which works
 * with or without TLS, falling back to no-encryption only over TLS. Empty when nothing fits.
 */
function suggestPair(
  version: OpenIdVersion,
  requestedAssoc: string,
  overTls: boolean,
  allowedAssoc: readonly AssocType[],
  allowedSession: readonly SessionType[],
): Record<string, string> {
  const usableAssoc = ASSOC_TYPES.filter(
    (a) => allowedAssoc.includes(a) && (version === '2.0' || a === AssocType.hmacSha1),
  );
  const ordered = [
    ...usableAssoc.filter((a) => a === requestedAssoc),
    ...usableAssoc.filter((a) => a !== requestedAssoc),
  ];
  for (const assocType of ordered) {
    const candidates: SessionType[] = [MATCHING_DH[assocType]];
    if (overTls) candidates.push(SessionType.noEncryption);
    for (const sessionType of candidates) {
      if (!allowedSession.includes(sessionType)) continue;
      if (version === '1.x' && sessionType === SessionType.noEncryption) {
        // §14.2.1: a 1.1 RP asks for no-encryption with a blank session_type.
        return { [Field.assocType]: assocType, [Field.sessionType]: '' };
      }
      return { [Field.assocType]: assocType, [Field.sessionType]: sessionType };
    }
  }
  return {};
}

/**
 * The session_type to put in a successful associate response (§8.2.1: echo the request's value).
 * In OpenID 1.1 no-encryption is a blank or omitted session_type, and OPs MUST NOT send
 * "no-encryption" (§14.2.2): we omit it (undefined).
 */
export function sessionTypeForResponse(version: OpenIdVersion, sessionType: SessionType): string | undefined {
  if (version === '1.x' && sessionType === SessionType.noEncryption) return undefined;
  return sessionType;
}
