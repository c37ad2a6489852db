import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** "Allow always": the user trusts this realm; later requests from it need no page. */
@Entity({ name: 'trust_grants' })
export class TrustGrant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** The realm exactly as the RP sent it (OpenID 2.0 §9.2); matching is exact. */
  @Column({ type: 'varchar', length: 2048 })
  realm: string;

  /** Attribute fields released under this grant. */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  fields: string[];

  /** Every field the RP had asked for when the grant was made: asking for another means asking the user again. */
  @Column({ name: 'asked_fields', type: 'jsonb', default: () => `'[]'` })
  askedFields: string[];

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
