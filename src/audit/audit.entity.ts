import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * What the audit log records (issue 11 point 6; README "Admin CLI", `audit --kind`). varchar(32):
 * a new kind is at most 32 characters. Events without an account (rate limits) have no user_id.
 */
export const AUDIT_KINDS = [
  // Sign-in (src/auth/login, src/auth/approval).
  'login_succeeded',
  'login_failed',
  'login_throttled',
  // Second factors (src/auth/factors, src/auth/login/second-factor-login.service.ts): a wrong or
  // throttled code, a recovery code spent, a site's step-up met; added and removed on the identity page.
  'second_factor_failed',
  'second_factor_throttled',
  'recovery_code_used',
  'step_up_succeeded',
  'second_factor_added',
  'second_factor_removed',
  'recovery_codes_created',
  // Passkeys (WebAuthn, src/auth/factors/passkey.service.ts): added, removed; a refused passkey-only
  // sign-in; one refused because its signature counter went backwards (WebAuthn L3 §7.2 step 22).
  'passkey_added',
  'passkey_removed',
  'passkey_refused',
  'passkey_counter_regression',
  // Approval from the chat app (XEP-0070): asked, then approved, denied or expired.
  'approval_requested',
  'approval_accepted',
  'approval_denied',
  'approval_expired',
  // Answers to relying parties and consent (src/auth/checkid): "Always allow" is trust_granted.
  'assertion_approved',
  'assertion_approved_automatically',
  'assertion_denied',
  'trust_granted',
  'trust_revoked',
  // Sessions (src/auth/account, the bot, `user passwd`).
  'logout',
  'logout_everywhere',
  'session_revoked',
  // Per-client limits of the OP endpoint (src/auth/client-rate-limits.ts), at most one per client
  // and kind per minute.
  'associate_rate_limited',
  'check_auth_rate_limited',
  'checkid_rate_limited',
  'pending_rate_limited',
  // Operator actions (domain '*', no user_id): `association revoke`, `keys rotate`, `oidc keys
  // rotate|remove`.
  'association_revoked',
  'operator_key_rotated',
  'oidc_signing_key_rotated',
  'oidc_signing_key_removed',
] as const;

export type AuditKind = (typeof AUDIT_KINDS)[number];

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
