import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from '../common/clock.js';
import { ROOT_LOGGER } from '../common/tokens.js';
import { RecentCache } from '../common/recent-cache.js';
import { WriteBehind } from '../database/write-behind.js';
import type { IdentifierChoice, TrustGrant } from './trust-grant.entity.js';
import { TrustGrantRepository } from './trust-grant.repository.js';

/** How long a found grant is remembered, and how many are. */
const GRANT_TTL_MS = 1000;
const GRANT_CACHE_SIZE = 10_000;

interface Stamp {
  readonly id: string;
  readonly at: Date;
}

/**
 * The realms each user trusts always ("allow always" on the consent page). "Last used" stamps are
 * written behind the assertion (src/database/write-behind.ts), one per grant per batch.
 */
@Injectable()
export class TrustGrantsService implements BeforeApplicationShutdown {
  private readonly stamps: WriteBehind<Stamp>;

  constructor(
    private readonly grants: TrustGrantRepository,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.stamps = new WriteBehind<Stamp>({
      write: (batch) => this.grants.markUsedMany(batch),
      logger,
      what: 'trust grant last-used stamps',
      merge: (queue, stamp) => {
        const index = queue.findIndex((s) => s.id === stamp.id);
        if (index === -1) queue.push(stamp);
        else if (queue[index]!.at < stamp.at) queue[index] = stamp;
      },
    });
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stamps.flush();
  }

  /**
   * The user's grant for the realm. Found grants are remembered for a second (every trusted
   * sign-in asks): a grant revoked here is forgotten at once, one revoked by another process stops
   * working there within the second. Absent grants are not remembered, so an "always allow" just
   * given counts at once everywhere.
   */
  async find(userId: string, realm: string): Promise<TrustGrant | null> {
    // A missing grant is not remembered (the consent page makes one).
    const grant = await this.recent.load(`${userId}\n${realm}`, async () => (await this.grants.find(userId, realm)) ?? undefined, (found) => found !== undefined);
    return grant ?? null;
  }

  private readonly recent = new RecentCache<TrustGrant>(GRANT_TTL_MS, GRANT_CACHE_SIZE);

  private forget(userId: string): void {
    this.recent.deleteWhere(ownedBy(userId));
  }

  /** Creates or replaces the grant (one per user and realm), with the identifier it was given with. */
  async grant(userId: string, realm: string, fields: string[] = [], askedFields: string[] = fields, identifier: IdentifierChoice = 'public'): Promise<void> {
    await this.grants.upsert({ userId, realm, fields, askedFields, identifier }, this.clock.now());
    this.forget(userId);
  }

  /** Stamps the grant as used now (queued: it never holds up the assertion). */
  markUsed(grant: TrustGrant): Promise<void> {
    this.stamps.add({ id: grant.id, at: this.clock.now() });
    return Promise.resolve();
  }

  async list(userId: string): Promise<TrustGrant[]> {
    await this.stamps.flush();
    return this.grants.listFor(userId);
  }

  /**
   * Ends a grant (the identity page, the bot's `revoke`). An OpenID Connect one ends its
   * oidc-provider Grant and tokens too, through the listeners (src/oidc): they run before the
   * answer, so that "revoked" means the client's refresh tokens no longer work.
   */
  async revoke(userId: string, id: string): Promise<boolean> {
    const grant = await this.grants.findOwned(userId, id);
    const deleted = await this.recent.deleteAround(ownedBy(userId), () => this.grants.deleteOwned(userId, id));
    if (deleted && grant !== null) for (const listener of this.revokedListeners) await listener(grant);
    return deleted;
  }

  private readonly revokedListeners: ((grant: TrustGrant) => Promise<void>)[] = [];

  onRevoked(listener: (grant: TrustGrant) => Promise<void>): void {
    this.revokedListeners.push(listener);
  }

  /** "Always allow" for an OpenID Connect client: shown and revocable beside the realms. */
  async grantOidc(userId: string, clientId: string, oidcGrantId: string, fields: string[], askedFields: string[]): Promise<void> {
    await this.grants.upsertOidc({ userId, realm: `${clientId} (OpenID Connect)`, clientId, oidcGrantId, fields, askedFields }, this.clock.now());
    this.forget(userId);
  }

  /**
   * The oidc-provider Grant the user always allows `clientId` under, if any: asked by every
   * authorization request, so remembered like find()'s grants (a second, forgotten here at once
   * on grant or revoke; the key cannot be a realm's, which is a URL).
   */
  async oidcGrantFor(userId: string, clientId: string): Promise<string | undefined> {
    const key = `${userId}\n\noidc\n${clientId}`;
    const cached = this.recent.lookup(key);
    if (cached !== undefined) return cached.value.oidcGrantId ?? undefined;
    const grant = await this.grants.findOidc(userId, clientId);
    if (grant) this.recent.set(key, grant);
    return grant?.oidcGrantId ?? undefined;
  }
}

/** Picks the remembered grants of one user (keys are `${userId}\n${realm}`). */
function ownedBy(userId: string): (grant: TrustGrant, key: string) => boolean {
  return (_grant, key) => key.startsWith(`${userId}\n`);
}
