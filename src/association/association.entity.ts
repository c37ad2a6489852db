import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { AssocType } from '../protocol/consts.js';
import type { AssociationKind } from '../protocol/random.js';

/** An association (OpenID 2.0 §8): a MAC key shared with an RP, or kept private for stateless mode. */
@Entity({ name: 'associations' })
// The constraints and indexes of migrations 1764350000000 and 1764430000000, declared here too so that the entities describe the
// schema exactly and `npm run migration:generate` finds nothing to add (test/database/migrations.spec.ts).
@Check('associations_kind_value', `"kind" IN ('shared', 'private')`)
@Check('associations_assoc_type_value', `"assoc_type" IN ('HMAC-SHA1', 'HMAC-SHA256')`)
@Check('associations_iv_length', `octet_length("iv") = 12`)
@Index('associations_expires_at_idx', ['expiresAt'])
@Index('associations_key_id_idx', ['keyId'])
export class Association {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  handle: string;

  @Column({ type: 'varchar', length: 7 })
  kind: AssociationKind;

  @Column({ name: 'assoc_type', type: 'varchar', length: 16 })
  assocType: AssocType;

  /** The operator key (secrets.key_file) that sealed the MAC key (src/secrets/key-ring.ts). */
  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  /** AES-256-GCM IV of the sealed MAC key (96 bits). */
  @Column({ type: 'bytea' })
  iv: Buffer;

  /** The MAC key, AES-256-GCM ciphertext and tag; the associated data names this row (AssociationService). */
  @Column({ name: 'sealed_secret', type: 'bytea' })
  sealedSecret: Buffer;

  /** The MAC key in clear: in memory only, never a column (AssociationService opens sealedSecret). */
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

/** A secret the provider made for itself, shared by every instance (migrations 1764391000000, 1764430000000), sealed like MAC keys. */
@Entity({ name: 'provider_secrets' })
@Check('provider_secrets_iv_length', `octet_length("iv") = 12`)
export class ProviderSecret {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  @Column({ type: 'bytea' })
  iv: Buffer;

  @Column({ name: 'sealed_secret', type: 'bytea' })
  sealedSecret: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
