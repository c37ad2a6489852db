import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AssocType } from '../protocol/consts.js';
import type { AssociationKind } from '../protocol/random.js';

/** An association (OpenID 2.0 §8): a MAC key shared with an RP, or kept private for stateless mode. */
@Entity({ name: 'associations' })
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
export class UsedNonce {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  nonce: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
