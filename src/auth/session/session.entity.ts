import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from '../../users/user.entity.js';

/** A login session. Only the SHA-256 of its cookie token is stored: a database leak logs no one in. */
@Entity({ name: 'sessions' })
// The constraints and indexes of migration 1764350000000, declared here too so that the entities describe the
// schema exactly and `npm run migration:generate` finds nothing to add (test/database/migrations.spec.ts).
@Unique('sessions_token_hash_key', ['tokenHash'])
@Index('sessions_user_id_idx', ['userId'])
@Index('sessions_expires_at_idx', ['expiresAt'])
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash: Buffer;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'sessions_user_fkey', onDelete: 'CASCADE' })
  userId: string;

  @Column({ type: 'boolean', default: false })
  remember: boolean;

  /** When the user last proved their credentials (PAPE auth_time). */
  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime: Date;

  /** How the user proved the account: the password form, approval from the chat app (XEP-0070), or a passkey alone (WebAuthn). */
  @Column({ name: 'auth_method', type: 'varchar', length: 16, default: 'password' })
  authMethod: 'password' | 'xmpp' | 'passkey';

  /**
   * What this session's sign-in used, as RFC 8176 amr values (src/auth/factors/assurance.ts):
   * `pwd` or `xmpp`, then `otp` or `hwk` and `mfa` once a second factor was given; a passkey alone
   * is `hwk` and `mfa`. PAPE auth_policies and
   * OpenID Connect amr/acr report exactly this.
   */
  @Column({ type: 'text', array: true })
  amr: string[];

  /** The password (or chat approval) was right but the second factor is still due: signs nobody in. */
  @Column({ name: 'factor_pending', type: 'boolean', default: false })
  factorPending: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;
}
