import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../../common/clock.js';
import { securityConfig } from '../../config/namespaces.js';
import { tryNormalizeUsername } from '../../users/username.js';
import { LoginThrottleRepository } from './login-throttle.repository.js';

export interface ThrottleKeys {
  account: string;
  address: string;
}

/**
 * Login throttling per account and per client address, with exponential back-off, shared by all
 * instances through Postgres. Any name is counted, existing or not, so that a lockout says
 * nothing about which accounts exist. After `max` failures within `window`, each failure locks
 * the key for backoff_base, then twice, four times… that, capped at backoff_max. A success
 * clears the account's count, not the address's: one good password must not reset a spray.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly repository: LoginThrottleRepository,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    private readonly clock: Clock,
  ) {}

  keys(domain: string, username: string, address: string): ThrottleKeys {
    const name = tryNormalizeUsername(username) ?? username.toLowerCase();
    return { account: `account:${domain}:${name}`.slice(0, 1400), address: `address:${address}` };
  }

  /** Seconds before the next attempt is accepted (0: go ahead). */
  async waitSeconds(keys: ThrottleKeys): Promise<number> {
    const now = this.clock.now();
    const until = await this.repository.latestLock([keys.account, keys.address], now);
    return until ? Math.ceil((until.getTime() - now.getTime()) / 1000) : 0;
  }

  /** Counts a failure; answers the wait it imposes (0 while under the limits). */
  async recordFailure(keys: ThrottleKeys): Promise<number> {
    const limits = this.security.login_rate_limit;
    const now = this.clock.now();
    const windowStart = new Date(now.getTime() - limits.window * 1000);
    let wait = 0;
    for (const [key, max] of [
      [keys.account, limits.max_attempts_per_account],
      [keys.address, limits.max_attempts_per_address],
    ] as const) {
      const failures = await this.repository.addFailure(key, now, windowStart);
      if (failures < max) continue;
      const seconds = Math.min(limits.backoff_base * 2 ** Math.min(failures - max, 30), limits.backoff_max);
      await this.repository.lock(key, new Date(now.getTime() + seconds * 1000));
      wait = Math.max(wait, seconds);
    }
    return wait;
  }

  recordSuccess(keys: ThrottleKeys): Promise<void> {
    return this.repository.clear(keys.account);
  }

  prune(): Promise<number> {
    const now = this.clock.now();
    return this.repository.prune(new Date(now.getTime() - this.security.login_rate_limit.window * 1000), now);
  }
}
