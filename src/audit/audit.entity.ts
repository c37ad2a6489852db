import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AuditKind =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'assertion_approved'
  | 'assertion_approved_automatically'
  | 'assertion_denied'
  | 'logout'
  | 'logout_everywhere'
  | 'trust_revoked'
  | 'session_revoked';

/** One line of a user's sign-in history. */
@Entity({ name: 'audit_events' })
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'varchar', length: 253 })
  domain: string;

  @Column({ type: 'varchar', length: 32 })
  kind: AuditKind;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  realm: string | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
