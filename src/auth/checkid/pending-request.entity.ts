import { Column, Entity, Index } from 'typeorm';

/** An authentication request waiting for the user (login, consent), kept server-side. */
@Entity({ name: 'pending_requests' })
@Index('pending_requests_expires_at_idx', ['expiresAt'])
export class PendingRequest {
  @Column({ type: 'varchar', length: 64, primary: true })
  id: string;

  @Column({ type: 'varchar', length: 253 })
  domain: string;

  /** The request's openid.* pairs, as received. */
  @Column({ type: 'jsonb' })
  message: [string, string][];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
