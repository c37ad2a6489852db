import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../../common/clock.js';
import { securityConfig } from '../../config/namespaces.js';
import { isDatabaseUnavailable } from '../../database/database-errors.js';
import { clientAddressKey } from '../../http/client-address.js';
import { tryNormalizeUsername } from '../../users/username.js';
import { type BucketLimits, LoginThrottleRepository } from './login-throttle.repository.js';

/** What an attempt is counted under: the account and the client address, or a trusted device instead. */
export interface ThrottleKeys {
  account: string;
  address: string;
  /** Set when the browser carries a valid device cookie of this account (LoginDeviceService). */
  device?: string;
}

type Bucket = 'account' | 'address' | 'device';

/** Background retries of a settlement the database could not take: every half second for a minute. */
const SETTLE_RETRIES = 120;
const SETTLE_RETRY_MS = 500;

/** The attempts an allowed sign-in holds until its password is judged. */
export interface Reservation {
  /** When the attempt was reserved (its locks run from then). */
  at: Date;
  held: { bucket: Bucket; key: string; lockSet: Date | undefined }[];
}

export type ReserveVerdict = { allowed: true; reservation: Reservation } | { allowed: false; wait: number };

/**
 * Login throttling per account and per client address, with exponential back-off, shared by all
 * instances through Postgres. Any name is counted, existing or not, so that a lockout says
 * nothing about which accounts exist. After `max` attempts within `window`, each attempt locks
 * the key for backoff_base, then twice, four times… that, capped at backoff_max.
 *
 * The attempt is reserved before the password is checked (one atomic statement per key), so N
 * parallel guesses cannot all be verified before the first failure counts; the verdict then
 * settles it: a failure keeps it, a success clears the account's count (not the address's: one
 * good password must not reset a spray, it only gives its own attempt back), and no verdict (the
 * XMPP server is down) gives every reservation back.
 *
 * A browser with a valid device cookie of the account (OWASP "Slow Down Online Guessing Attacks
 * with Device Cookies"; OWASP ASVS 4.0 2.2.1) is counted on that device's own bucket instead of
 * the account's and the address's: whoever locks the account from elsewhere does not lock its
 * owner out, and a stolen device cookie still buys only max_attempts_per_device guesses.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly repository: LoginThrottleRepository,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    private readonly clock: Clock,
  ) {}

  /** `device`: the id of a device cookie already verified for this account. */
  keys(domain: string, username: string, address: string, device?: string): ThrottleKeys {
    const name = tryNormalizeUsername(username) ?? username.toLowerCase();
    return {
      account: `account:${domain}:${name}`.slice(0, 1400),
      // RFC 4291 §2.5.4: an IPv6 client is counted by its /64, which it can rotate through freely.
      address: `address:${clientAddressKey(address)}`,
      ...(device === undefined ? {} : { device: `device:${device}` }),
    };
  }

  /**
   * The keys a second factor's codes are counted under: the account's own bucket for codes (a
   * right password clears the password's count, which must not reset the guesses at a code) and
   * the client address's bucket shared with passwords. No device bucket: a device cookie earns no
   * extra guesses at the code.
   */
  codeKeys(domain: string, username: string, address: string): ThrottleKeys {
    const keys = this.keys(domain, username, address);
    return { ...keys, account: `code:${keys.account}`.slice(0, 1400) };
  }

  /**
   * The keys a passkey-only sign-in is counted under, like a code (codeKeys): the account's own
   * bucket for passkeys once the credential names one, else (a credential unknown here) a bucket
   * of the client address; and the address's bucket shared with passwords.
   */
  passkeyKeys(domain: string, username: string | undefined, address: string): ThrottleKeys {
    const keys = this.keys(domain, username ?? '', address);
    return { ...keys, account: username === undefined ? `passkey:${keys.address}` : `passkey:${keys.account}`.slice(0, 1400) };
  }

  /** Seconds before the next attempt on these keys is accepted (0: go ahead); counts nothing. */
  async waitSeconds(keys: ThrottleKeys): Promise<number> {
    const now = this.clock.now();
    const until = await this.repository.latestLock(this.buckets(keys).map((b) => b.key), now);
    return until ? this.secondsUntil(until, now) : 0;
  }

  /**
   * Counts the attempt on each key in turn, before any password is looked at; a refusal gives
   * back what was already reserved and answers the wait.
   */
  async reserve(keys: ThrottleKeys): Promise<ReserveVerdict> {
    const now = this.clock.now();
    const held: Reservation['held'] = [];
    for (const { bucket, key, limits } of this.buckets(keys)) {
      let result: Awaited<ReturnType<LoginThrottleRepository['reserve']>>;
      try {
        result = await this.repository.reserve(key, now, limits);
      } catch (error) {
        // The database went away between two keys: what was reserved is given back (later).
        await this.giveBack({ at: now, held });
        throw error;
      }
      if (result.refused) {
        await this.giveBack({ at: now, held });
        return { allowed: false, wait: result.lockedUntil ? this.secondsUntil(result.lockedUntil, now) : 1 };
      }
      held.push({ bucket, key, lockSet: result.lockedUntil });
    }
    return { allowed: true, reservation: { at: now, held } };
  }

  /**
   * A wrong password: the reservation stays counted; answers the wait it imposed (0 while under
   * the limits), the lock's full length: at most the password check's time more than what is left.
   */
  failed(reservation: Reservation): number {
    return Math.max(0, ...reservation.held.map((h) => (h.lockSet ? this.secondsUntil(h.lockSet, reservation.at) : 0)));
  }

  /** The right password: the account's (or device's) count is cleared, the address only gets its attempt back. */
  succeeded(reservation: Reservation): Promise<void> {
    return this.settle(reservation, (h) => (h.bucket === 'address' ? this.repository.giveBack(h.key, h.lockSet) : this.repository.clear(h.key)));
  }

  /** No verdict on the password: nothing was the user's fault, every reserved attempt is given back. */
  giveBack(reservation: Reservation): Promise<void> {
    return this.settle(reservation, (h) => this.repository.giveBack(h.key, h.lockSet));
  }

  /** giveBack when the database is known to be away: only in the background, starting in half a second. */
  giveBackLater(reservation: Reservation): void {
    for (const h of reservation.held) this.retryLater(() => this.repository.giveBack(h.key, h.lockSet), 1);
  }

  /**
   * Settles each held attempt. When the database is unavailable (an outage that began after the
   * attempt was reserved), the settlement is retried in the background (every half second, for a minute):
   * attempts that were never judged must not lock the account or the address once the database
   * returns. The request itself then goes on to answer (its next step fails with 503 meanwhile).
   */
  private async settle(reservation: Reservation, step: (held: Reservation['held'][number]) => Promise<void>): Promise<void> {
    for (const h of reservation.held) {
      try {
        await step(h);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        this.retryLater(() => step(h), 1);
      }
    }
  }

  private retryLater(work: () => Promise<void>, attempt: number): void {
    if (attempt > SETTLE_RETRIES) return;
    setTimeout(() => {
      work().catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) this.retryLater(work, attempt + 1);
      });
    }, SETTLE_RETRY_MS).unref();
  }

  prune(): Promise<number> {
    const now = this.clock.now();
    return this.repository.prune(new Date(now.getTime() - this.security.login_rate_limit.window * 1000), now);
  }

  private buckets(keys: ThrottleKeys): { bucket: Bucket; key: string; limits: BucketLimits }[] {
    const l = this.security.login_rate_limit;
    const limits = (max: number): BucketLimits => ({ max, window: l.window, backoffBase: l.backoff_base, backoffMax: l.backoff_max });
    if (keys.device !== undefined) return [{ bucket: 'device', key: keys.device, limits: limits(l.max_attempts_per_device) }];
    return [
      { bucket: 'account', key: keys.account, limits: limits(l.max_attempts_per_account) },
      { bucket: 'address', key: keys.address, limits: limits(l.max_attempts_per_address) },
    ];
  }

  private secondsUntil(until: Date, now: Date): number {
    return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  }
}
