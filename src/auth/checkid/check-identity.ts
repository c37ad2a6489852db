import type { DomainConfig } from '../../config/config.schema.js';
import { Field, IDENTIFIER_SELECT } from '../../protocol/consts.js';
import { InvalidRequest, OpenIdError } from '../../protocol/errors.js';
import { PAIRWISE_PATTERN } from '../../protocol/pairwise.js';
import { tryNormalizeUsername } from '../../users/username.js';
import type { CheckidContext } from './checkid-context.js';

/** The requested identifier is not one this provider answers for (sent to return_to as an error). */
export class UnknownIdentifier extends OpenIdError {
  readonly code = 'unknown_identifier';
}

/** claimed_id is an address of ours that does not name the account openid.identity names. */
export class ClaimedIdMismatch extends InvalidRequest {
  override readonly code = 'claimed_id_mismatch';
}

function isOnOrigin(domain: DomainConfig, url: string): boolean {
  try {
    return new URL(url).origin === new URL(domain.base_url).origin;
  } catch {
    return false;
  }
}

/**
 * The username an identifier URL of ours names: `{base}/openid/{user}` on this domain, compared
 * as URLs (scheme, host and port case-insensitively, the username percent-decoded and normalised).
 */
export function usernameFromIdentifier(domain: DomainConfig, identifier: string): string | undefined {
  const match = /^\/openid\/([^/]+)$/.exec(pathOnDomain(domain, identifier) ?? '');
  if (!match) return undefined;
  let raw: string;
  try {
    raw = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  return tryNormalizeUsername(raw);
}

/** The path of a URL on this domain's origin (compared as URLs), with no query, fragment or credentials; undefined otherwise. */
function pathOnDomain(domain: DomainConfig, identifier: string): string | undefined {
  let url: URL;
  let base: URL;
  try {
    url = new URL(identifier);
    base = new URL(domain.base_url);
  } catch {
    return undefined;
  }
  if (url.origin !== base.origin || url.search !== '' || url.hash !== '' || url.username || url.password) return undefined;
  return url.pathname;
}

/**
 * The opaque part a private identifier URL of ours names: `{base}/openid/p/{opaque}` on this
 * domain, the opaque part in the one form the derivation gives (src/protocol/pairwise.ts).
 */
export function opaqueFromIdentifier(domain: DomainConfig, identifier: string): string | undefined {
  const match = /^\/openid\/p\/([^/]+)$/.exec(pathOnDomain(domain, identifier) ?? '');
  return match && PAIRWISE_PATTERN.test(match[1]!) ? match[1] : undefined;
}

/** The account an identifier URL of ours names, as `accountOf` compares them: a username, or a private identifier's opaque part. */
function accountOf(domain: DomainConfig, identifier: string): string | undefined {
  const opaque = opaqueFromIdentifier(domain, identifier);
  if (opaque !== undefined) return `p/${opaque}`;
  return usernameFromIdentifier(domain, identifier);
}

/**
 * OpenID 2.0 §9.1: claimed_id and identity are both present or both absent; identifier_select
 * lets the user choose. OpenID 1.1 (§14.2.1) sends identity only, and always.
 */
export function checkIdentity(ctx: CheckidContext): void {
  const { message, domain } = ctx;
  const identity = message.getArg(Field.identity);
  const claimedId = message.version === '2.0' ? message.getArg(Field.claimedId) : undefined;
  if (message.version === '2.0' && (identity === undefined) !== (claimedId === undefined)) {
    throw new InvalidRequest('openid.claimed_id and openid.identity must be sent together');
  }
  if (identity === undefined) {
    if (message.version === '1.x') throw new InvalidRequest('Missing openid.identity');
    ctx.identity = { kind: 'none' };
    return;
  }
  if (identity === IDENTIFIER_SELECT) {
    // §9.1: with identity = identifier_select, claimed_id SHOULD be identifier_select too; a
    // claimed identifier of the RP's own choosing cannot be honoured for a user we pick.
    if (claimedId !== undefined && claimedId !== IDENTIFIER_SELECT) {
      throw new InvalidRequest('openid.claimed_id must be identifier_select when openid.identity is');
    }
    ctx.identity = { kind: 'select' };
    return;
  }
  const opaque = opaqueFromIdentifier(domain, identity);
  const username = opaque === undefined ? usernameFromIdentifier(domain, identity) : undefined;
  if (username === undefined && opaque === undefined) {
    throw new UnknownIdentifier('This provider does not answer for that identifier', { detail: `identity ${JSON.stringify(identity)}` });
  }
  // OpenID 2.0 §9.1, §11.2: a claimed identifier other than the OP-local one is a delegation, and
  // the RP checks it by discovery. But a claimed_id in our own namespace is ours to vouch for:
  // signing "{base}/openid/bob is alice" would be a false statement that an RP skipping §11.2's
  // checks would believe. So on our origin, claimed_id must name the same account.
  // A private identifier is the same: claimed_id on our origin must be that identifier too.
  if (claimedId !== undefined && claimedId !== identity && isOnOrigin(domain, claimedId) && accountOf(domain, claimedId) !== accountOf(domain, identity)) {
    throw new ClaimedIdMismatch('openid.claimed_id and openid.identity name different accounts', {
      detail: `claimed_id ${JSON.stringify(claimedId)}, identity ${JSON.stringify(identity)}`,
    });
  }
  ctx.identity = opaque !== undefined ? { kind: 'private', opaque, identity, claimedId } : { kind: 'user', username: username!, identity, claimedId };
}
