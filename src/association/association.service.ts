import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock.js';
import { Random } from '../common/random.js';
import { RecentCache } from '../common/recent-cache.js';
import { KeyRing } from '../secrets/key-ring.js';
import { openidConfig } from '../config/namespaces.js';
import { MAC_KEY_LENGTH } from '../protocol/association-types.js';
import type { AssocType } from '../protocol/consts.js';
import { createAssociationHandle, isValidAssociationHandle, type AssociationKind } from '../protocol/random.js';
import { Association, type ProviderSecret } from './association.entity.js';
import { AssociationRepository } from './association.repository.js';
import { createDerivedHandle, derivePrivateMacKey, parseDerivedHandle } from './derived-private-association.js';

/** Shared associations looked up by handle on every signed response: cached, bounded. */
const CACHE_LIMIT = 10_000;
/**
 * How long this process may go on using a shared association it read without asking the
 * database again: a revocation (`association revoke`, on any instance or from the CLI) takes
 * effect everywhere within this time. One second, as for sessions (src/common/recent-cache.ts).
 */
export const SHARED_CACHE_TTL_MS = 1_000;
/** Clock skew tolerated between instances: for the issue time of a private handle and of a nonce. */
export const MAX_FUTURE_SKEW_SECONDS = 60;
const DERIVATION_KEY_NAME = 'private-associations';
const DERIVATION_KEY_LENGTH = 32;

/**
 * Creates and finds associations. Shared ones live in Postgres, the source of truth (any instance
 * can sign with or verify an association another instance made), with their MAC key sealed under
 * the operator key (src/secrets/key-ring.ts), and in a bounded in-process cache kept for
 * SHARED_CACHE_TTL_MS (so that a revocation counts everywhere within it). Private ones are derived
 * from their handle and the provider's derivation key (derived-private-association.ts): no row,
 * no round trip; the derivation key is stored sealed too.
 */
@Injectable()
export class AssociationService {
  private readonly cache = new RecentCache<Association>(SHARED_CACHE_TTL_MS, CACHE_LIMIT);
  private readonly logger = new Logger('Associations');

  constructor(
    private readonly repository: AssociationRepository,
    @Inject(openidConfig.KEY) private readonly openid: ConfigType<typeof openidConfig>,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly keys: KeyRing,
  ) {}

  private derivationKey: Promise<Buffer> | undefined;

  async create(kind: AssociationKind, assocType: AssocType): Promise<Association> {
    const now = this.clock.now();
    if (kind === 'private') {
      const handle = createDerivedHandle(now, assocType, this.random.bytes);
      return this.derived(handle, assocType, now);
    }
    const handle = createAssociationHandle(now, kind, this.random.bytes);
    // OpenID 2.0 §8.2.1 / §6.2: the MAC key, from the CSPRNG, as long as the HMAC's output.
    const secret = Buffer.from(this.random.bytes(MAC_KEY_LENGTH[assocType]));
    const sealed = this.keys.seal(secret, associationData(handle, kind, assocType));
    const association = Object.assign(new Association(), {
      handle,
      kind,
      assocType,
      keyId: sealed.keyId,
      iv: sealed.iv,
      sealedSecret: sealed.sealed,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + this.openid.association_lifetime * 1000),
    });
    await this.repository.insert(association);
    association.secret = secret;
    return association;
  }

  /**
   * Revokes shared associations (`association revoke`): one handle, or every one. This process
   * forgets them at once; other instances within SHARED_CACHE_TTL_MS. Answers the handles deleted.
   */
  async revokeShared(handle: string | undefined): Promise<string[]> {
    return this.cache.deleteAround(
      (_, key) => handle === undefined || key === handle,
      () => this.repository.deleteShared(handle),
    );
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
      const cached = this.cache.lookup(handle)?.value;
      if (cached) {
        if (cached.expiresAt > now) return cached;
        this.cache.delete(handle);
      }
      // An RP's association signs every assertion it asks for: one read for the requests that
      // find it missing at once (RecentCache.load); an unknown handle is not remembered.
      return this.cache.load(handle, () => this.fetch(handle, kind, now), (found) => found !== undefined);
    }
    return this.fetch(handle, kind, now);
  }

  /** The stored association, its MAC key opened; undefined when unknown, expired or unopenable. */
  private async fetch(handle: string, kind: AssociationKind, now: Date): Promise<Association | undefined> {
    const found = await this.repository.findUnexpired(handle, kind, now);
    if (!found) return undefined;
    const secret = this.keys.open({ keyId: found.keyId, iv: found.iv, sealed: found.sealedSecret }, associationData(found.handle, found.kind, found.assocType));
    if (secret === undefined || secret.length !== MAC_KEY_LENGTH[found.assocType]) {
      // A row whose ciphertext, IV, key id or handle was changed, or sealed under a key no longer
      // in the key file: it is unknown (the RP gets invalidate_handle, §10.1), not an error.
      this.logger.warn(`association ${found.handle} cannot be opened with the operator keys (key id ${found.keyId}): treated as unknown`);
      return undefined;
    }
    found.secret = secret;
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
    this.derivationKey ??= this.loadDerivationKey().catch((error: unknown) => {
      // Not cached on failure (the database was down): the next request asks again.
      this.derivationKey = undefined;
      throw error;
    });
    return this.derivationKey;
  }

  private async loadDerivationKey(): Promise<Buffer> {
    const sealed = this.keys.seal(Buffer.from(this.random.bytes(DERIVATION_KEY_LENGTH)), providerSecretData(DERIVATION_KEY_NAME));
    const row = await this.repository.providerSecret({ name: DERIVATION_KEY_NAME, keyId: sealed.keyId, iv: sealed.iv, sealedSecret: sealed.sealed });
    const key = openProviderSecret(this.keys, row);
    // Signing with a key nobody else can read would make every stateless assertion fail
    // check_authentication on the other instances: refuse loudly instead (the request gets a 500
    // with its request id; the log says which key is missing).
    if (key === undefined) throw new Error(`the private-association derivation key is sealed under operator key ${row.keyId}, which the key file does not hold or which does not open it`);
    return key;
  }
}

/**
 * AES-GCM associated data of an association's MAC key: the row it belongs to. The key id is part
 * of the GCM key choice already; the handle, kind and type bind the ciphertext to its row.
 */
export function associationData(handle: string, kind: AssociationKind, assocType: AssocType): string {
  return `openid-provider/association/v1\u0000${handle}\u0000${kind}\u0000${assocType}`;
}

export function providerSecretData(name: string): string {
  return `openid-provider/provider-secret/v1\u0000${name}`;
}

export function openProviderSecret(keys: KeyRing, row: ProviderSecret): Buffer | undefined {
  return keys.open({ keyId: row.keyId, iv: row.iv, sealed: row.sealedSecret }, providerSecretData(row.name));
}
