import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

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
  | 'session_revoked'
  // Operator actions (domain '*'): `association revoke`, `keys rotate`.
  | 'association_revoked'
  | 'operator_key_rotated';

/** One line of a user's sign-in history. */
@Entity({ name: 'audit_events' })
// The constraints and indexes of migrations 1764370000000 and 1764410000000, declared here too so that the entities describe the
// schema exactly and `npm run migration:generate` finds nothing to add (test/database/migrations.spec.ts).
@Index('audit_events_user_created_idx', ['userId', 'createdAt'])
@Index('audit_events_created_at_idx', ['createdAt'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  @ForeignKey(() => User, { name: 'audit_events_user_fkey', onDelete: 'CASCADE' })
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

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
