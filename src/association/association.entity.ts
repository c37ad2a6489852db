import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AssocType } from '../protocol/consts.js';
import type { AssociationKind } from '../protocol/random.js';

/** An association (OpenID 2.0 §8): a MAC key shared with an RP, or kept private for stateless mode. */
@Entity({ name: 'associations' })
// The constraints and indexes of migration 1764350000000, declared here too so that the entities describe the
// schema exactly and `npm run migration:generate` finds nothing to add (test/database/migrations.spec.ts).
@Check('associations_kind_value', `"kind" IN ('shared', 'private')`)
@Check('associations_assoc_type_value', `"assoc_type" IN ('HMAC-SHA1', 'HMAC-SHA256')`)
@Index('associations_expires_at_idx', ['expiresAt'])
export class Association {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  handle: string;

  @Column({ type: 'varchar', length: 7 })
  kind: AssociationKind;

  @Column({ name: 'assoc_type', type: 'varchar', length: 16 })
  assocType: AssocType;

  @Column({ type: 'bytea' })
  secret: Buffer;

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}

@Entity({ name: 'used_nonces' })
@Index('used_nonces_expires_at_idx', ['expiresAt'])
export class UsedNonce {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  nonce: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}

/** A secret the provider made for itself, shared by every instance (migration 1764391000000). */
@Entity({ name: 'provider_secrets' })
export class ProviderSecret {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'bytea' })
  secret: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
