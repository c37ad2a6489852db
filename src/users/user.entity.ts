import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** A local account: `username@domain` owns the identifier `{base}/openid/{username}`. */
@Entity({ name: 'users' })
// The constraints and indexes of migration 1764340000000, declared here too so that the entities describe the
// schema exactly and `npm run migration:generate` finds nothing to add (test/database/migrations.spec.ts).
@Unique('users_domain_username_key', ['domain', 'username'])
@Check('users_username_lowercase', `"username" = lower("username")`)
@Check('users_dob_format', `"dob" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`)
@Check('users_gender_value', `"gender" IN ('M', 'F')`)
@Check('users_country_format', `"country" ~ '^[A-Z]{2}$'`)
// Migration 1764450000000: the E.164 form profile.ts stores (ITU-T E.164: a country code and at most 15 digits).
@Check('users_phone_format', `"phone" ~ '^\\+[1-9][0-9]{6,14}$'`)
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 253 })
  domain: string;

  /** Normalised JID localpart (see username.ts). */
  @Column({ type: 'varchar', length: 1023 })
  username: string;

  /** argon2id hash of a local account's password; null for XMPP accounts (their server checks it). */
  @Column({ name: 'password_hash', type: 'text', nullable: true, select: false })
  passwordHash: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  nickname: string | null;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  fullname: string | null;

  /** SReg 1.1 dob: YYYY-MM-DD, zeros for unknown parts. */
  @Column({ type: 'char', length: 10, nullable: true })
  dob: string | null;

  @Column({ type: 'char', length: 1, nullable: true })
  gender: 'M' | 'F' | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  postcode: string | null;

  /** ISO 3166-1 alpha-2, upper case. */
  @Column({ type: 'char', length: 2, nullable: true })
  country: string | null;

  /** ISO 639 (with optional region, e.g. en-GB). */
  @Column({ type: 'varchar', length: 35, nullable: true })
  language: string | null;

  /** IANA time zone name. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  timezone: string | null;

  /** ITU-T E.164 without formatting, e.g. +33123456789 (OpenID Connect Core 1.0 §5.1 phone_number); not an SReg field. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  phone: string | null;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Profile fields ticked by default on the consent page. */
  @Column({ name: 'release_defaults', type: 'jsonb', default: () => `'[]'` })
  releaseDefaults: ProfileField[];

  /** Profile values read from the account's vCard at its last XMPP sign-in (the user's own columns win). */
  @Column({ type: 'jsonb', nullable: true })
  vcard: VcardValues | null;

  @Column({ name: 'vcard_fetched_at', type: 'timestamptz', nullable: true })
  vcardFetchedAt: Date | null;

  /** Whether the OpenID bot tells the account about sign-ins to sites it has not seen before. */
  @Column({ name: 'xmpp_notices', type: 'boolean', default: true })
  xmppNotices: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** The nine Simple Registration fields (SReg 1.1 §4), in the specification's order. */
export const SREG_FIELDS = ['nickname', 'email', 'fullname', 'dob', 'gender', 'postcode', 'country', 'language', 'timezone'] as const;
export type SregField = (typeof SREG_FIELDS)[number];
/**
 * Every profile field: the SReg ones, then those SReg 1.1 §4 does not define ("all included fields
 * MUST be taken from the set of fields defined in this specification"), which only Attribute
 * Exchange and OpenID Connect release: the phone number.
 */
export const PROFILE_FIELDS = [...SREG_FIELDS, 'phone'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type Profile = { [K in ProfileField]: User[K] };
/** vCard N (XEP-0054 / RFC 6350 §6.2.2): given and family name, for AX namePerson/first and /last. */
export interface NameParts {
  readonly given?: string;
  readonly family?: string;
}
/** The profile read from a vCard: SReg-format values, and the structured name. */
export type VcardValues = Partial<Record<ProfileField, string>> & { readonly name?: NameParts };
