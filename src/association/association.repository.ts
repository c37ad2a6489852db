import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { affected, deleteExpiredBefore } from '../database/query-shapes.js';
import type { AssociationKind } from '../protocol/random.js';
import { Association, ProviderSecret, UsedNonce } from './association.entity.js';
import { NonceLedger } from './nonce-ledger.js';
import { Batcher } from '../database/batcher.js';

/** New associations in one INSERT at most (eight array parameters, whatever the count). */
const MAX_ASSOCIATION_BATCH = 200;
/** used_nonces.nonce is varchar(255) (UsedNonce). */
const NONCE_MAX_LENGTH = 255;

@Injectable()
export class AssociationRepository {
  constructor(
    @InjectRepository(Association) private readonly associations: Repository<Association>,
    @InjectRepository(UsedNonce) private readonly nonces: Repository<UsedNonce>,
    @InjectRepository(ProviderSecret) private readonly secrets: Repository<ProviderSecret>,
  ) {}

  private readonly ledger = new NonceLedger(async (claims) => {
    // Raw SQL: every check_authentication runs it, and the query builder costs more than the round
    // trip. The conflict target is named so that EXPLAIN shows its arbiter (test/database/explain.spec.ts).
    const rows = (await this.nonces.query(
      'INSERT INTO "used_nonces" ("nonce", "expires_at") SELECT * FROM unnest($1::varchar[], $2::timestamptz[]) ON CONFLICT ("nonce") DO NOTHING RETURNING "nonce"',
      [claims.map((c) => c.nonce), claims.map((c) => c.expiresAt.toISOString())],
    )) as { nonce: string }[];
    return new Set(rows.map((r) => r.nonce));
  }, NONCE_MAX_LENGTH);

  /**
   * The provider secret row of that name: `candidate` if this call stored it first, else the one
   * already stored (INSERT … ON CONFLICT DO NOTHING, then read): every instance ends up with the same.
   */
  async providerSecret(candidate: Pick<ProviderSecret, 'name' | 'keyId' | 'iv' | 'sealedSecret'>): Promise<ProviderSecret> {
    await this.secrets.createQueryBuilder().insert().values(candidate).orIgnore().execute();
    return this.secrets.findOneByOrFail({ name: candidate.name });
  }

  /** Every provider secret row (re-sealed under a new operator key by `keys rotate`). */
  allProviderSecrets(): Promise<ProviderSecret[]> {
    return this.secrets.find();
  }

  /** Replaces a provider secret's sealed value, if it is still sealed under `fromKeyId`. */
  async resealProviderSecret(name: string, fromKeyId: string, sealed: Pick<ProviderSecret, 'keyId' | 'iv' | 'sealedSecret'>): Promise<boolean> {
    return affected(await this.secrets.update({ name, keyId: fromKeyId }, sealed)) > 0;
  }

  /** Rows sealed under each operator key id: associations (unexpired) and provider secrets. */
  async rowsPerKey(now: Date): Promise<Map<string, { associations: number; providerSecrets: number }>> {
    const counts = new Map<string, { associations: number; providerSecrets: number }>();
    const at = (id: string) => counts.get(id) ?? counts.set(id, { associations: 0, providerSecrets: 0 }).get(id)!;
    const associations = (await this.associations
      .createQueryBuilder('a')
      .select('a.keyId', 'keyId')
      .addSelect('count(*)::int', 'n')
      .where('a.expiresAt > :now', { now })
      .groupBy('a.keyId')
      .getRawMany()) as { keyId: string; n: number }[];
    for (const row of associations) at(row.keyId).associations = row.n;
    const secrets = (await this.secrets.createQueryBuilder('s').select('s.keyId', 'keyId').addSelect('count(*)::int', 'n').groupBy('s.keyId').getRawMany()) as { keyId: string; n: number }[];
    for (const row of secrets) at(row.keyId).providerSecrets = row.n;
    return counts;
  }

  /** The latest expiry of an association sealed under that key, or null when none is left. */
  async lastExpiryUnder(keyId: string, now: Date): Promise<Date | null> {
    const row = (await this.associations
      .createQueryBuilder('a')
      .select('max(a.expiresAt)', 'last')
      .where('a.keyId = :keyId AND a.expiresAt > :now', { keyId, now })
      .getRawOne()) as { last: Date | string | null } | undefined;
    return row?.last === null || row?.last === undefined ? null : new Date(row.last);
  }

  /** Deletes shared associations: one handle, or all; answers the handles deleted. */
  async deleteShared(handle: string | undefined): Promise<string[]> {
    const query = this.associations.createQueryBuilder().delete().from(Association).where('kind = :kind', { kind: 'shared' });
    if (handle !== undefined) query.andWhere('handle = :handle', { handle });
    const result = await query.returning(['handle']).execute();
    return ((result.raw ?? []) as { handle: string }[]).map((r) => r.handle);
  }

  /**
   * Stores a new association; the associate response waits for it (the RP may use the handle at
   * once, at any instance). Those made at once share one statement (Batcher), raw SQL: the query
   * builder's insert cost more than the DH-less associate itself.
   */
  insert(association: Association): Promise<void> {
    return this.inserts.submit(association);
  }

  private readonly inserts = new Batcher<Association, void>(async (rows) => {
    await this.associations.query(
      `INSERT INTO "associations" ("handle", "kind", "assoc_type", "key_id", "iv", "sealed_secret", "issued_at", "expires_at")
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::bytea[], $6::bytea[], $7::timestamptz[], $8::timestamptz[])`,
      [
        rows.map((r) => r.handle),
        rows.map((r) => r.kind),
        rows.map((r) => r.assocType),
        rows.map((r) => r.keyId),
        rows.map((r) => r.iv),
        rows.map((r) => r.sealedSecret),
        rows.map((r) => r.issuedAt.toISOString()),
        rows.map((r) => r.expiresAt.toISOString()),
      ],
    );
    return rows.map(() => undefined);
  }, MAX_ASSOCIATION_BATCH);

  findUnexpired(handle: string, kind: AssociationKind, now: Date): Promise<Association | null> {
    return this.associations
      .createQueryBuilder('a')
      .where('a.handle = :handle AND a.kind = :kind AND a.expiresAt > :now', { handle, kind, now })
      .getOne();
  }

  /** Deletes the association, answering whether this call was the one that deleted it. */
  async consume(handle: string, kind: AssociationKind): Promise<boolean> {
    return affected(await this.associations.delete({ handle, kind })) > 0;
  }

  /**
   * Records a nonce as used; answers false when it already was (a replay). ON CONFLICT DO
   * NOTHING, so two instances racing on the same nonce cannot both win; requests arriving
   * together share one statement (nonce-ledger.ts).
   */
  consumeNonce(nonce: string, expiresAt: Date): Promise<boolean> {
    return this.ledger.claim(nonce, expiresAt);
  }

  async pruneExpiredBefore(now: Date): Promise<{ associations: number; nonces: number }> {
    return { associations: await deleteExpiredBefore(this.associations, now), nonces: await deleteExpiredBefore(this.nonces, now) };
  }
}
