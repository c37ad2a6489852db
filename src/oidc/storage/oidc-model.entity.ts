import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One model oidc-provider stored through its Adapter (OidcModelRepository). The constraints and
 * indexes of migration 1764440000000, declared here too so that the entities describe the schema
 * exactly and `npm run migration:generate` finds nothing to add (test/database/migrations.spec.ts).
 */
@Entity({ name: 'oidc_models' })
@Check('oidc_models_id_length', `octet_length("id") = 32`)
@Check('oidc_models_sealed_whole', `("key_id" IS NULL) = ("iv" IS NULL) AND ("iv" IS NULL) = ("sealed" IS NULL)`)
@Check('oidc_models_iv_length', `octet_length("iv") = 12`)
@Index('oidc_models_grant_id_idx', ['grantId'])
@Index('oidc_models_uid_idx', ['model', 'uid'])
@Index('oidc_models_user_code_idx', ['model', 'userCode'])
@Index('oidc_models_expires_at_idx', ['expiresAt'])
@Index('oidc_models_key_id_idx', ['keyId'])
export class OidcModel {
  /** oidc-provider's model name: Session, AccessToken, AuthorizationCode, Grant, Interaction… */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  model: string;

  /** SHA-256 of oidc-provider's id (for opaque tokens the id is the token value). */
  @PrimaryColumn({ type: 'bytea' })
  id: Buffer;

  /** The payload without `jti` and without the fields sealed below. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'grant_id', type: 'varchar', length: 255, nullable: true })
  grantId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  uid: string | null;

  /** SHA-256 of the device flow's user code. */
  @Column({ name: 'user_code', type: 'bytea', nullable: true })
  userCode: Buffer | null;

  /** The operator key (secrets.key_file) that sealed the payload's secret fields, if it had any. */
  @Column({ name: 'key_id', type: 'varchar', length: 32, nullable: true })
  keyId: string | null;

  @Column({ type: 'bytea', nullable: true })
  iv: Buffer | null;

  /** AES-256-GCM ciphertext and tag of the secret fields (JSON); see oidc-storage.ts. */
  @Column({ type: 'bytea', nullable: true })
  sealed: Buffer | null;

  /** Null: no expiry (oidc-provider gave no expiresIn). */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt: Date | null;
}
