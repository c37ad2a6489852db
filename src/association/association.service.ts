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
import { createDerivedHandle, derivePrivateMacKey, parseDerivedHandle } from './derived-private-association.js';

/** Shared associations looked up by handle on every signed response: cached, bounded. */
const CACHE_LIMIT = 10_000;
/** Clock skew tolerated between instances: for the issue time of a private handle and of a nonce. */
export const MAX_FUTURE_SKEW_SECONDS = 60;
const DERIVATION_KEY_NAME = 'private-associations';
const DERIVATION_KEY_LENGTH = 32;

/**
 * Creates and finds associations. Shared ones live in Postgres, the source of truth (any instance
 * can sign with or verify an association another instance made), and in a bounded in-process
 * cache (they never change until they expire). Private ones are derived from their handle and the
 * provider's derivation key (derived-private-association.ts): no row, no round trip.
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

  private derivationKey: Promise<Buffer> | undefined;

  async create(kind: AssociationKind, assocType: AssocType): Promise<Association> {
    const now = this.clock.now();
    if (kind === 'private') {
      const handle = createDerivedHandle(now, assocType, this.random.bytes);
      return this.derived(handle, assocType, now);
    }
    const association = Object.assign(new Association(), {
      handle: createAssociationHandle(now, kind, this.random.bytes),
      kind,
      assocType,
      // OpenID 2.0 §8.2.1 / §6.2: the MAC key, from the CSPRNG, as long as the HMAC's output.
      secret: Buffer.from(this.random.bytes(MAC_KEY_LENGTH[assocType])),
      issuedAt: now,
      expiresAt: new Date(now.getTime() + this.openid.association_lifetime * 1000),
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
    if (kind === 'private') {
      const derived = parseDerivedHandle(handle);
      if (derived) {
        const issued = derived.issuedAt.getTime();
        const expired = issued + this.openid.private_association_lifetime * 1000 <= now.getTime();
        if (expired || issued > now.getTime() + MAX_FUTURE_SKEW_SECONDS * 1000) return undefined;
        return this.derived(handle, derived.assocType, derived.issuedAt);
      }
      // A stored private association of an earlier version (`{seconds}.P.{random}`), until it expires.
    }
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

  /**
   * Uses up a private association, answering whether this call did (single use across all
   * instances): a derived one through the nonce ledger, a stored one by deleting its row.
   */
  consumePrivate(association: Association): Promise<boolean> {
    if (parseDerivedHandle(association.handle)) {
      const expiresAt = new Date(association.expiresAt.getTime() + MAX_FUTURE_SKEW_SECONDS * 1000);
      return this.repository.consumeNonce(`handle:${association.handle}`, expiresAt);
    }
    return this.repository.consume(association.handle, 'private');
  }

  /** Remaining lifetime in whole seconds (expires_in, §8.2.1). */
  expiresIn(association: Association): number {
    return Math.max(0, Math.round((association.expiresAt.getTime() - this.clock.now().getTime()) / 1000));
  }

  private async derived(handle: string, assocType: AssocType, issuedAt: Date): Promise<Association> {
    return Object.assign(new Association(), {
      handle,
      kind: 'private',
      assocType,
      secret: derivePrivateMacKey(await this.key(), handle, assocType),
      issuedAt,
      expiresAt: new Date(issuedAt.getTime() + this.openid.private_association_lifetime * 1000),
    });
  }

  /** The derivation key, read (or made, by the first instance) once per process. */
  private key(): Promise<Buffer> {
    this.derivationKey ??= this.repository.providerSecret(DERIVATION_KEY_NAME, Buffer.from(this.random.bytes(DERIVATION_KEY_LENGTH))).catch((error: unknown) => {
      // Not cached on failure (the database was down): the next request asks again.
      this.derivationKey = undefined;
      throw error;
    });
    return this.derivationKey;
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
