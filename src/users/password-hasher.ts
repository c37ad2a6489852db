import argon2 from 'argon2';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { securityConfig } from '../config/namespaces.js';

/**
 * argon2id password hashing (memory-hard; OWASP Password Storage Cheat Sheet parameters by
 * default). The PHC string stores its own parameters, so raising the cost in the configuration
 * applies to new hashes and, through `needsRehash`, to old ones at the next successful login.
 */
@Injectable()
export class PasswordHasher {
  private readonly options: { type: 2; memoryCost: number; timeCost: number; parallelism: number };
  /** A real hash of a random password: verifying against it costs what verifying a real user does. */
  private dummy: Promise<string> | undefined;

  constructor(@Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>) {
    const p = security.password_hash;
    this.options = { type: argon2.argon2id, memoryCost: p.memory_kib, timeCost: p.time_cost, parallelism: p.parallelism };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  /** Constant-time comparison is done by argon2's verify. Malformed hashes verify as false. */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same work as a real verification and answers false: used for unknown or disabled
   * accounts, so that response time does not tell whether an account exists.
   */
  async verifyNothing(password: string): Promise<false> {
    this.dummy ??= argon2.hash(`unused-${crypto.randomUUID()}`, this.options);
    await this.verify(await this.dummy, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, this.options);
    } catch {
      return true;
    }
  }
}
