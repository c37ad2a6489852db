import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { affected, deleteExpiredBefore } from '../database/query-shapes.js';
import type { AssociationKind } from '../protocol/random.js';
import { Association, ProviderSecret, UsedNonce } from './association.entity.js';

@Injectable()
export class AssociationRepository {
  constructor(
    @InjectRepository(Association) private readonly associations: Repository<Association>,
    @InjectRepository(UsedNonce) private readonly nonces: Repository<UsedNonce>,
    @InjectRepository(ProviderSecret) private readonly secrets: Repository<ProviderSecret>,
  ) {}

  /**
   * The provider secret of that name: `candidate` if this call stored it first, else the one
   * already stored (INSERT … ON CONFLICT DO NOTHING, then read): every instance ends up with the same.
   */
  async providerSecret(name: string, candidate: Buffer): Promise<Buffer> {
    await this.secrets.createQueryBuilder().insert().values({ name, secret: candidate }).orIgnore().execute();
    return (await this.secrets.findOneByOrFail({ name })).secret;
  }

  async insert(association: Association): Promise<void> {
    await this.associations.insert(association);
  }

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
   * Records a nonce as used; answers false when it already was (a replay). One INSERT with
   * ON CONFLICT DO NOTHING, so two instances racing on the same nonce cannot both win.
   */
  async consumeNonce(nonce: string, expiresAt: Date): Promise<boolean> {
    // Raw SQL: every check_authentication runs it, and the query builder costs more than the round
    // trip. The conflict target is named so that EXPLAIN shows its arbiter (test/database/explain.spec.ts).
    const rows = (await this.nonces.query('INSERT INTO "used_nonces" ("nonce", "expires_at") VALUES ($1, $2) ON CONFLICT ("nonce") DO NOTHING RETURNING "nonce"', [
      nonce,
      expiresAt.toISOString(),
    ])) as unknown[];
    return rows.length > 0;
  }

  async pruneExpiredBefore(now: Date): Promise<{ associations: number; nonces: number }> {
    return { associations: await deleteExpiredBefore(this.associations, now), nonces: await deleteExpiredBefore(this.nonces, now) };
  }
}
