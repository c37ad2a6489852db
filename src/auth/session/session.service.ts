import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import { RecentCache } from '../../common/recent-cache.js';
import { securityConfig } from '../../config/namespaces.js';
import { AccountChanges } from '../../users/account-changes.js';
import type { User } from '../../users/user.entity.js';
import type { Session } from './session.entity.js';
import { SessionRepository } from './session.repository.js';

/** last_seen_at is written at most this often per session (it is only used for the idle timeout). */
const TOUCH_EVERY_MS = 60_000;
/** How long a resolved session is remembered in this process, and how many are. */
const SESSION_TTL_MS = 1000;
const SESSION_CACHE_SIZE = 10_000;

export interface ActiveSession {
  session: Session;
  user: User;
}

/** A shallow copy that keeps the entity's class. */
function copyOf<T extends object>(entity: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(entity) as object) as T, entity);
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Server-side login sessions: the cookie carries a 256-bit random token, the database its hash.
 * Valid on every instance; ended by the idle timeout (unless "remember me"), the absolute
 * lifetime, logout, or the account being disabled.
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    private readonly clock: Clock,
    private readonly random: Random,
    accountChanges: AccountChanges,
  ) {
    accountChanges.subscribe(async ({ domain, username, passwordChanged }) => {
      this.recent.deleteWhere((found) => found.user.domain === domain && found.user.username === username);
      // ASVS V3.3.3: a new password (an administrator's reset, after a compromise) ends every
      // session of the account, on every device.
      if (passwordChanged) await this.sessions.deleteAllOfAccount(domain, username);
    });
  }

  /**
   * Sessions resolved in the last second, by token hash (every signed-in request resolves one, and
   * a checkid needs nothing else from the database). Ending a session or changing its account
   * here forgets it at once; a logout or a change made by another process counts here within
   * the second. Expiry and the idle timeout are still checked against the clock on every use.
   * Unknown tokens are never remembered.
   */
  private readonly recent = new RecentCache<ActiveSession>(SESSION_TTL_MS, SESSION_CACHE_SIZE);

  /**
   * A new session. `amr`: what its sign-in used (default: what authMethod says); `authTime`: when
   * the person last actively signed in (now, unless a second factor completes an earlier one);
   * `pending`: the second factor is still due (security.second_factor.pending_timeout, no
   * "remember me" yet: it signs nobody in, resolve() never returns it).
   */
  async create(
    user: User,
    options: { remember: boolean; ip?: string; userAgent?: string; authMethod?: Session['authMethod']; amr?: readonly string[]; authTime?: Date; pending?: boolean },
  ): Promise<{ token: string; session: Session }> {
    const now = this.clock.now();
    const lifetimes = this.security.session;
    const token = this.random.token();
    const authMethod = options.authMethod ?? 'password';
    const lifetime = options.pending ? this.security.second_factor.pending_timeout : options.remember ? lifetimes.remember_me_timeout : lifetimes.absolute_timeout;
    const session = await this.sessions.insert({
      tokenHash: hashToken(token),
      userId: user.id,
      remember: options.remember,
      authMethod,
      amr: [...(options.amr ?? [authMethod === 'xmpp' ? 'xmpp' : 'pwd'])],
      factorPending: options.pending ?? false,
      authTime: options.authTime ?? now,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + lifetime * 1000),
      ip: options.ip?.slice(0, 45) ?? null,
      userAgent: options.userAgent?.slice(0, 512) ?? null,
    });
    return { token, session };
  }

  /** Cookie lifetime: persistent for "remember me", a browser-session cookie otherwise. */
  cookieMaxAge(session: Session): number | undefined {
    return session.remember ? Math.max(0, Math.round((session.expiresAt.getTime() - this.clock.now().getTime()) / 1000)) : undefined;
  }

  async resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!token) return undefined;
    const now = this.clock.now();
    const tokenHash = hashToken(token);
    const key = tokenHash.toString('base64');
    let found = this.recent.lookup(key)?.value;
    if (found !== undefined && found.session.expiresAt.getTime() <= now.getTime()) {
      this.recent.delete(key);
      found = undefined;
    }
    // Unknown tokens are never remembered.
    found ??= await this.recent.load(key, async () => (await this.sessions.findUnexpiredWithUser(tokenHash, now)) ?? undefined, (row) => row !== undefined);
    if (!found) return undefined;
    const { session, user } = found;
    // A sign-in whose second factor is still due is no session (resolvePending finds it).
    if (session.factorPending) return undefined;
    const idle = this.security.session.idle_timeout * 1000;
    if (!session.remember && session.lastSeenAt.getTime() + idle <= now.getTime()) {
      this.recent.delete(key);
      await this.sessions.delete(session.id);
      return undefined;
    }
    if (user.disabled) return undefined;
    if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.sessions.touch(session.id, now);
      session.lastSeenAt = now;
    }
    // Callers get their own copies: what one request does to them never reaches another.
    return { session: copyOf(session), user: copyOf(user) };
  }

  /** The sign-in of this token whose second factor is still due (the code page), if it has not expired. */
  async resolvePending(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!token) return undefined;
    const found = await this.sessions.findUnexpiredWithUser(hashToken(token), this.clock.now());
    if (!found || !found.session.factorPending || found.user.disabled) return undefined;
    return found;
  }

  /**
   * A second factor given in this session after its sign-in (a step-up asked by a site): its amr
   * says so from now on, on every instance (the cache of this one forgets it at once, the others'
   * within their second).
   */
  async recordSecondFactor(token: string, amr: readonly string[]): Promise<void> {
    const tokenHash = hashToken(token);
    const key = tokenHash.toString('base64');
    await this.recent.deleteAround((_found, k) => k === key, () => this.sessions.setAmr(tokenHash, [...amr]));
  }

  async revoke(token: string | undefined): Promise<void> {
    if (!token) return;
    const tokenHash = hashToken(token);
    const key = tokenHash.toString('base64');
    await this.recent.deleteAround((_found, k) => k === key, () => this.sessions.deleteByTokenHash(tokenHash));
  }

  listActive(userId: string): Promise<Session[]> {
    return this.sessions.listUnexpired(userId, this.clock.now());
  }

  /** Ends one of the user's sessions (the id alone proves nothing: the user must own it). */
  revokeById(userId: string, id: string): Promise<boolean> {
    return this.recent.deleteAround((found) => found.session.id === id && found.user.id === userId, () => this.sessions.deleteOwned(userId, id));
  }

  revokeAll(userId: string): Promise<void> {
    return this.recent.deleteAround((found) => found.user.id === userId, () => this.sessions.deleteAllOf(userId));
  }

  pruneExpired(): Promise<number> {
    return this.sessions.pruneExpiredBefore(this.clock.now());
  }
}
