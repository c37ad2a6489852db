import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { PAIRWISE_PATTERN, pairwiseSubject } from '../protocol/pairwise.js';
import type { Realm } from '../protocol/realm.js';
import { KeyRing } from '../secrets/key-ring.js';
import { pairwiseKey } from '../secrets/pairwise-key.js';
import type { User } from '../users/user.entity.js';
import type { FoundPrivateIdentifier, PrivateIdentifier } from './private-identifier.entity.js';
import { PrivateIdentifierRepository } from './private-identifier.repository.js';

/**
 * The longest normalised realm a private identifier is offered for: the column's length (and well
 * under PostgreSQL's B-tree entry limit for the unique key). Realms are at most 2,048 bytes as
 * sent (src/auth/endpoint.service.ts); only one whose percent-encoding grew past that is left out.
 */
export const MAX_PRIVATE_REALM = 2048;

/** Whether the realm may get a private identifier (see MAX_PRIVATE_REALM). */
export function privateIdentifierAllowed(realm: Realm): boolean {
  return realm.normalized.length <= MAX_PRIVATE_REALM;
}

/**
 * Private (pairwise) identifiers `{base}/openid/p/{opaque}`: one per account and realm, stable
 * (the same realm always gets the same one), unlinkable across realms. The opaque part is the
 * pairwise derivation OpenID Connect's pairwise subjects use (src/protocol/pairwise.ts, the same
 * key), with the normalised realm (OpenID 2.0 §9.2) as its sector, so that `https://rp.example/`
 * and `HTTPS://RP.example:443/` get one identifier. It is stored when first asserted, so that
 * discovery and checkid find the account from it and the identity page lists it.
 */
@Injectable()
export class PrivateIdentifiersService {
  constructor(
    private readonly identifiers: PrivateIdentifierRepository,
    private readonly keyRing: KeyRing,
    private readonly clock: Clock,
  ) {}

  /** The opaque part of the account's identifier at `realm`, created on first use; stamps its use. */
  issue(user: User, realm: Realm): Promise<string> {
    const opaque = pairwiseSubject(pairwiseKey(this.keyRing), realm.normalized, user.id);
    return this.identifiers.issue({ opaque, userId: user.id, domain: user.domain, realm: realm.normalized }, this.clock.now());
  }

  /** The identifier with this opaque part on the domain; undefined for an unknown or malformed one (no lookup then). */
  async find(domain: string, opaque: string): Promise<FoundPrivateIdentifier | undefined> {
    if (!PAIRWISE_PATTERN.test(opaque)) return undefined;
    return this.identifiers.find(domain, opaque);
  }

  /** The account's identifier at `realm`, if it ever got one. */
  async existing(userId: string, realm: Realm): Promise<PrivateIdentifier | undefined> {
    return (await this.identifiers.findFor(userId, realm.normalized)) ?? undefined;
  }

  /** The sites (normalised realms) that got a private identifier of the account, newest first. */
  list(userId: string): Promise<PrivateIdentifier[]> {
    return this.identifiers.listFor(userId);
  }
}
