import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ApprovalState = 'pending' | 'accepted' | 'denied' | 'completed' | 'cancelled';

/** One XEP-0070 confirm request sent by the OpenID bot for a sign-in (migration 1764400000000). */
@Entity({ name: 'login_approvals' })
@Check('login_approvals_state_value', `"state" IN ('pending', 'accepted', 'denied', 'completed', 'cancelled')`)
@Index('login_approvals_jid_idx', ['domain', 'jid'])
@Index('login_approvals_ip_idx', ['ip', 'createdAt'])
@Index('login_approvals_expires_at_idx', ['expiresAt'])
export class LoginApproval {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 253 })
  domain: string;

  /** Normalised localpart, as typed on the login form (the account may not exist: no enumeration). */
  @Column({ type: 'varchar', length: 1023 })
  username: string;

  /** The bare JID the confirm request went to; only a reply from it counts. */
  @Column({ type: 'varchar', length: 1300 })
  jid: string;

  /** XEP-0070 transaction code: 8 Crockford base32 characters (40 bits). */
  @Column({ type: 'char', length: 8 })
  code: string;

  @Column({ type: 'varchar', length: 64 })
  thread: string;

  /** SHA-256 of the random token in the cookie of the browser that asked. */
  @Column({ name: 'browser_hash', type: 'bytea' })
  browserHash: Buffer;

  /** The parked OpenID request the sign-in continues. */
  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId: string | null;

  /** The OpenID Connect interaction (its uid) the sign-in continues (migration 1764445000000). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  interaction: string | null;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  realm: string | null;

  @Column({ type: 'boolean', default: false })
  remember: boolean;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  state: ApprovalState;

  /** confirm | chat | error | timeout: how the user (or their server) answered. */
  @Column({ name: 'answered_via', type: 'varchar', length: 16, nullable: true })
  answeredVia: string | null;

  /** The client address the per-address flood limit counts: an IPv4 address, or an IPv6 /64 (clientAddressKey). */
  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
