import { Check, Column, Entity, ForeignKey, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from '../users/user.entity.js';

/** Which identifier an identifier_select request is answered with (the consent page's `identifier`). */
export type IdentifierChoice = 'public' | 'private';

/** "Allow always": the user trusts this realm; later requests from it need no page. */
@Entity({ name: 'trust_grants' })
// The constraints and indexes of migration 1764350000000, declared here too so that the entities describe the
// schema exactly and `npm run migration:generate` finds nothing to add (test/database/migrations.spec.ts).
@Unique('trust_grants_user_realm_key', ['userId', 'realm'])
@Check('trust_grants_kind_check', `"kind" IN ('openid2', 'oidc') AND ("kind" = 'openid2') = ("client_id" IS NULL)`)
// Migration 1764470000000: the identifier "always allow" was given with.
@Check('trust_grants_identifier_check', `"identifier" IN ('public', 'private')`)
export class TrustGrant {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'trust_grants_user_fkey', onDelete: 'CASCADE' })
  userId: string;

  /** An OpenID 2.0 realm, or an OpenID Connect client (migration 1764445000000). */
  @Column({ type: 'varchar', length: 16, default: 'openid2' })
  kind: 'openid2' | 'oidc';

  /** OpenID Connect: the client's client_id (null for a realm). */
  @Column({ name: 'client_id', type: 'varchar', length: 255, nullable: true })
  clientId: string | null;

  /** OpenID Connect: the oidc-provider Grant this stands for; revoking the trust grant ends it. */
  @Column({ name: 'oidc_grant_id', type: 'varchar', length: 64, nullable: true })
  oidcGrantId: string | null;

  /**
   * The realm exactly as the RP sent it (OpenID 2.0 §9.2); matching is exact. For an OpenID
   * Connect client, `{client_id} (OpenID Connect)`: what the identity page and the bot's `sites`
   * show, never a URL, so no OpenID 2.0 realm ever matches it.
   */
  @Column({ type: 'varchar', length: 2048 })
  realm: string;

  /** Attribute fields released under this grant. */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  fields: string[];

  /** Every field the RP had asked for when the grant was made: asking for another means asking the user again. */
  @Column({ name: 'asked_fields', type: 'jsonb', default: () => `'[]'` })
  askedFields: string[];

  /**
   * OpenID 2.0 identifier_select: which identifier the person chose to be known by at this realm,
   * their own ('public') or the realm's private one ({base}/openid/p/{opaque}); later requests
   * answered by the grant (checkid_immediate too) assert the same one.
   */
  @Column({ type: 'varchar', length: 16, default: 'public' })
  identifier: IdentifierChoice;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
