import { Column, Entity, ForeignKey, PrimaryColumn, Unique } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * A private (pairwise) identifier `{base}/openid/p/{opaque}` issued to one account for one realm
 * (migration 1764470000000). Kept so that discovery and checkid find the account from the opaque
 * part alone, and the identity page lists the sites that got one. The opaque part is the pairwise
 * derivation (src/protocol/pairwise.ts) of the normalised realm: no username, no counter.
 */
@Entity({ name: 'private_identifiers' })
@Unique('private_identifiers_user_realm_key', ['userId', 'realm'])
export class PrivateIdentifier {
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'private_identifiers_pkey' })
  opaque: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'private_identifiers_user_fkey', onDelete: 'CASCADE' })
  userId: string;

  /** The account's domain: an identifier is answered on its own domain only. */
  @Column({ type: 'varchar', length: 253 })
  domain: string;

  /** The normalised realm (OpenID 2.0 §9.2, Realm.normalized): the identifier's sector. */
  @Column({ type: 'varchar', length: 2048 })
  realm: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', default: () => 'now()' })
  lastUsedAt: Date;
}

/** A private identifier found by its opaque part, with whether its account is disabled. */
export interface FoundPrivateIdentifier {
  readonly opaque: string;
  readonly userId: string;
  readonly realm: string;
  readonly disabled: boolean;
}
