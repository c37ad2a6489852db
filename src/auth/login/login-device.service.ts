import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import { securityConfig } from '../../config/namespaces.js';
import type { User } from '../../users/user.entity.js';
import { tryNormalizeUsername } from '../../users/username.js';
import { LoginDeviceRepository } from './login-device.repository.js';

/** Device cookies kept per account (the newest); an older browser simply signs in as an untrusted one. */
const DEVICES_PER_ACCOUNT = 20;

/** A device cookie to hand to the browser. */
export interface DeviceCookie {
  token: string;
  maxAgeSeconds: number;
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"; OWASP ASVS 4.0
 * 2.2.1): a successful sign-in gives the browser a random 256-bit token bound to the account,
 * of which only the SHA-256 is stored (a database reader learns no usable cookie). A sign-in
 * attempt carrying a valid one for the account it names is counted on that device's own bucket
 * (LoginThrottleService), so a lockout caused from elsewhere does not keep the owner out.
 * A token is looked up by its hash, an exact 256-bit match: nothing to learn from the timing.
 */
@Injectable()
export class LoginDeviceService {
  constructor(
    private readonly devices: LoginDeviceRepository,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    private readonly random: Random,
    private readonly clock: Clock,
  ) {}

  /** The throttle bucket id of `token` when it is a valid device cookie of domain/username, else undefined. */
  async deviceOf(token: string | undefined, domain: string, username: string): Promise<string | undefined> {
    if (token === undefined) return undefined;
    const name = tryNormalizeUsername(username);
    if (name === undefined) return undefined;
    const hash = hashToken(token);
    if (!(await this.devices.ownedBy(hash, domain, name, this.clock.now()))) return undefined;
    return hash.toString('base64url');
  }

  /**
   * After a successful sign-in: the browser's cookie stays when it already is one of this
   * account's; otherwise a new one, bound to the account.
   */
  async issue(user: User, presented: string | undefined): Promise<DeviceCookie | undefined> {
    if ((await this.deviceOf(presented, user.domain, user.username)) !== undefined) return undefined;
    const lifetime = this.security.login_rate_limit.device_cookie_lifetime;
    const token = this.random.token();
    const now = this.clock.now();
    await this.devices.insert(hashToken(token), user.id, now, new Date(now.getTime() + lifetime * 1000), DEVICES_PER_ACCOUNT);
    return { token, maxAgeSeconds: lifetime };
  }

  /**
   * "Remember this device" on the code page: the browser's device cookie (`token`, the one it
   * carries or was just given) skips the second factor of this account for
   * security.second_factor.remember_device. Not a factor: such sign-ins report the password alone.
   */
  async rememberFactor(user: User, token: string): Promise<void> {
    const until = new Date(this.clock.now().getTime() + this.security.second_factor.remember_device * 1000);
    await this.devices.rememberFactor(hashToken(token), user.id, until);
  }

  /** Whether `token` is a device cookie of this account remembered past the second factor. */
  async factorRemembered(token: string | undefined, user: User): Promise<boolean> {
    if (token === undefined) return false;
    return this.devices.factorRemembered(hashToken(token), user.id, this.clock.now());
  }

  pruneExpired(): Promise<number> {
    return this.devices.pruneExpired(this.clock.now());
  }
}
