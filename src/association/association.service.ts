import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { openidConfig } from '../config/namespaces.js';
import { MAC_KEY_LENGTH } from '../protocol/association-types.js';
import type { AssocType } from '../protocol/consts.js';
import { createAssociationHandle, isValidAssociationHandle, type AssociationKind } from '../protocol/random.js';
import { Association } from './association.entity.js';
import { AssociationRepository } from './association.repository.js';

/** Shared associations looked up by handle on every signed response: cached, bounded. */
const CACHE_LIMIT = 10_000;

/**
 * Creates and finds associations. Postgres is the source of truth (any instance can sign with or
 * verify an association another instance made); the in-process cache holds shared associations
 * only, which never change until they expire.
 */
@Injectable()
export class AssociationService {
  private readonly cache = new Map<string, Association>();

  constructor(
    private readonly repository: AssociationRepository,
    @Inject(openidConfig.KEY) private readonly openid: ConfigType<typeof openidConfig>,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async create(kind: AssociationKind, assocType: AssocType): Promise<Association> {
    const now = this.clock.now();
    const lifetime = kind === 'shared' ? this.openid.association_lifetime : this.openid.private_association_lifetime;
    const association = Object.assign(new Association(), {
      handle: createAssociationHandle(now, kind, this.random.bytes),
      kind,
      assocType,
      // OpenID 2.0 §8.2.1 / §6.2: the MAC key, from the CSPRNG, as long as the HMAC's output.
      secret: Buffer.from(this.random.bytes(MAC_KEY_LENGTH[assocType])),
      issuedAt: now,
      expiresAt: new Date(now.getTime() + lifetime * 1000),
    });
    await this.repository.insert(association);
    return association;
  }

  /**
   * The unexpired association of that handle and kind, or undefined. A private handle is never
   * found as a shared one and vice versa (§11.4.2.1: check_authentication verifies private
   * associations only; shared ones are the RP's to verify).
   */
  async find(handle: string, kind: AssociationKind): Promise<Association | undefined> {
    if (!isValidAssociationHandle(handle)) return undefined;
    const now = this.clock.now();
    if (kind === 'shared') {
      const cached = this.cache.get(handle);
      if (cached) {
        if (cached.expiresAt > now) return cached;
        this.cache.delete(handle);
      }
    }
    const found = await this.repository.findUnexpired(handle, kind, now);
    if (!found) return undefined;
    if (kind === 'shared') this.remember(found);
    return found;
  }

  /** Removes a private association, answering whether this call removed it (single use). */
  consumePrivate(handle: string): Promise<boolean> {
    return this.repository.consume(handle, 'private');
  }

  /** Remaining lifetime in whole seconds (expires_in, §8.2.1). */
  expiresIn(association: Association): number {
    return Math.max(0, Math.round((association.expiresAt.getTime() - this.clock.now().getTime()) / 1000));
  }

  private remember(association: Association): void {
    if (this.cache.size >= CACHE_LIMIT) {
      // Drop the oldest entry (Map keeps insertion order).
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(association.handle, association);
  }
}
