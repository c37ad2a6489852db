import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { type FoundPrivateIdentifier, PrivateIdentifier } from './private-identifier.entity.js';

/** SQL of the private_identifiers table: one row per (account, normalised realm), found by its opaque part. */
@Injectable()
export class PrivateIdentifierRepository {
  constructor(@InjectRepository(PrivateIdentifier) private readonly identifiers: Repository<PrivateIdentifier>) {}

  /**
   * The account's identifier for the realm, created with `opaque` when there is none yet, its
   * last use stamped `now` either way: one INSERT … ON CONFLICT, so two concurrent first sign-ins
   * make one row, and the stored opaque part wins over a fresh derivation (it stays the same even
   * if the key it was derived under is gone).
   */
  async issue(row: Pick<PrivateIdentifier, 'opaque' | 'userId' | 'domain' | 'realm'>, now: Date): Promise<string> {
    const rows = (await this.identifiers.query(
      `INSERT INTO "private_identifiers" ("opaque", "user_id", "domain", "realm", "created_at", "last_used_at") VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT ("user_id", "realm") DO UPDATE SET "last_used_at" = GREATEST("private_identifiers"."last_used_at", EXCLUDED."last_used_at")
       RETURNING "opaque"`,
      [row.opaque, row.userId, row.domain, row.realm, now],
    )) as { opaque: string }[];
    return rows[0]!.opaque;
  }

  async find(domain: string, opaque: string): Promise<FoundPrivateIdentifier | undefined> {
    const rows = (await this.identifiers.query(
      `SELECT p."opaque", p."user_id", p."realm", u."disabled" FROM "private_identifiers" p JOIN "users" u ON u."id" = p."user_id"
        WHERE p."opaque" = $1 AND p."domain" = $2`,
      [opaque, domain],
    )) as { opaque: string; user_id: string; realm: string; disabled: boolean }[];
    const row = rows[0];
    return row === undefined ? undefined : { opaque: row.opaque, userId: row.user_id, realm: row.realm, disabled: row.disabled };
  }

  findFor(userId: string, realm: string): Promise<PrivateIdentifier | null> {
    return this.identifiers.findOne({ where: { userId, realm } });
  }

  /** The account's private identifiers, newest first. */
  listFor(userId: string): Promise<PrivateIdentifier[]> {
    return this.identifiers.find({ where: { userId }, order: { createdAt: 'DESC' } });
  }
}
