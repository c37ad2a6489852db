import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A signing key of the OpenID Connect provider (migration 1764440000000): the private JWK sealed
 * under the operator key, at most one active (unretired) key per alg.
 */
@Entity({ name: 'oidc_signing_keys' })
@Check('oidc_signing_keys_iv_length', `octet_length("iv") = 12`)
@Index('oidc_signing_keys_active_alg', ['alg'], { unique: true, where: '"retired_at" IS NULL' })
export class OidcSigningKey {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid: string;

  @Column({ type: 'varchar', length: 16 })
  alg: string;

  /** The operator key (secrets.key_file) that sealed the private JWK. */
  @Column({ name: 'key_id', type: 'varchar', length: 32 })
  keyId: string;

  @Column({ type: 'bytea' })
  iv: Buffer;

  /** The private JWK (JSON), AES-256-GCM ciphertext and tag; associated data names kid and alg. */
  @Column({ name: 'sealed_jwk', type: 'bytea' })
  sealedJwk: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;
}
