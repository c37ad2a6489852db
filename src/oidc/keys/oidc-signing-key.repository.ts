import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { affected } from '../../database/query-shapes.js';
import { OidcSigningKey } from './oidc-signing-key.entity.js';

@Injectable()
export class OidcSigningKeyRepository {
  constructor(@InjectRepository(OidcSigningKey) private readonly keys: Repository<OidcSigningKey>) {}

  /** Every key, oldest first. */
  all(): Promise<OidcSigningKey[]> {
    return this.keys.find({ order: { createdAt: 'ASC', kid: 'ASC' } });
  }

  /**
   * Stores `key` as its alg's active key unless one is there already (INSERT … ON CONFLICT on the
   * partial unique index of active keys): of instances starting at once, one key per alg wins.
   */
  async insertActiveIfAbsent(key: OidcSigningKey): Promise<boolean> {
    const rows = (await this.keys.query(
      `INSERT INTO "oidc_signing_keys" ("kid", "alg", "key_id", "iv", "sealed_jwk", "created_at", "retired_at") VALUES ($1, $2, $3, $4, $5, $6, NULL)
       ON CONFLICT ("alg") WHERE "retired_at" IS NULL DO NOTHING RETURNING "kid"`,
      [key.kid, key.alg, key.keyId, key.iv, key.sealedJwk, key.createdAt.toISOString()],
    )) as unknown[];
    return rows.length > 0;
  }

  /** In one transaction: the alg's active key retired at `now`, `key` made the active one. */
  async replaceActive(key: OidcSigningKey, now: Date): Promise<void> {
    await this.keys.manager.transaction(async (tx) => {
      await tx.update(OidcSigningKey, { alg: key.alg, retiredAt: IsNull() }, { retiredAt: now });
      await tx.insert(OidcSigningKey, { ...key, retiredAt: null });
    });
  }

  async remove(kid: string): Promise<boolean> {
    return affected(await this.keys.delete({ kid })) > 0;
  }

  /** Signing keys sealed under each operator key id (`keys list`, `keys remove`). */
  async rowsPerKey(): Promise<Map<string, number>> {
    const rows = (await this.keys.query(`SELECT "key_id" AS "keyId", count(*)::int AS "n" FROM "oidc_signing_keys" GROUP BY "key_id"`)) as { keyId: string; n: number }[];
    return new Map(rows.map((r) => [r.keyId, r.n]));
  }

  /** Replaces a key's sealed JWK, if it is still sealed under `fromKeyId` (operator key rotation). */
  async reseal(kid: string, fromKeyId: string, sealed: Pick<OidcSigningKey, 'keyId' | 'iv' | 'sealedJwk'>): Promise<boolean> {
    return affected(await this.keys.update({ kid, keyId: fromKeyId }, sealed)) > 0;
  }
}
