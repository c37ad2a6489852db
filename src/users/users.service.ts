import { Injectable } from '@nestjs/common';
import { RecentCache } from '../common/recent-cache.js';
import { Domains } from '../config/domains.js';
import { BadRequest, Conflict, NotFound } from '../http/app-error.js';
import { text, type Text } from '../i18n/locale.js';
import { AccountChanges } from './account-changes.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersRepository } from './users.repository.js';
import { validateProfile } from './profile.js';
import { PROFILE_FIELDS, type Profile, type ProfileField, type User, type VcardValues } from './user.entity.js';
import { InvalidUsername, normalizeUsername, tryNormalizeUsername } from './username.js';

// NIST SP 800-63B §5.1.1.2: at least 8 characters, and accept long passphrases (64 or more).
// The upper bound only keeps a request from making us hash megabytes.
const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;
/** How long findByIdRecent remembers an account (docs/performance.md), and how many. */
const RECENT_TTL_MS = 1000;
const RECENT_CACHE_SIZE = 10_000;

export type CredentialCheck = { ok: true; user: User } | { ok: false; reason: 'invalid_credentials' | 'account_disabled' };

export class UnknownDomain extends NotFound {
  constructor(domain: string) {
    super('unknown_domain', text('errors.unknown_domain.title'), text('errors.unknown_domain.not_served', { domain }));
  }
}

export class UnknownUser extends NotFound {
  constructor() {
    super('unknown_user', text('errors.unknown_user.title'), text('errors.unknown_user.detail'));
  }
}

export class UserExists extends Conflict {
  constructor(username: string, domain: string) {
    super('user_exists', text('errors.user_exists.title'), text('errors.user_exists.detail', { account: `${username}@${domain}` }));
  }
}

export class BadUsername extends BadRequest {
  constructor(error: InvalidUsername) {
    super('invalid_username', text('errors.invalid_username.title'), text('errors.invalid_username.detail', { reason: error.reason }), { cause: error });
  }
}

export class WeakPassword extends BadRequest {
  constructor(reason: Text) {
    super('invalid_password', text('errors.invalid_password.title'), reason);
  }
}

/** `user add` / `user passwd` on an `accounts: xmpp` domain: its XMPP server owns the passwords. */
export class XmppManagedAccounts extends Conflict {
  constructor(domain: string) {
    super('xmpp_accounts', text('errors.xmpp_accounts.title'), text('errors.xmpp_accounts.detail', { domain }));
  }
}

export interface NewUser extends Partial<Record<keyof Profile, string | null>> {
  domain: string;
  username: string;
  password: string;
}

/** Local accounts: creation, credential checks and administration. */
@Injectable()
export class UsersService {
  constructor(
    private readonly domains: Domains,
    private readonly repository: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly changes: AccountChanges,
  ) {
    changes.subscribe(({ domain, username }) => this.recentById.deleteWhere((user) => user.domain === domain && user.username === username));
  }

  private readonly recentById = new RecentCache<User>(RECENT_TTL_MS, RECENT_CACHE_SIZE);

  async create(input: NewUser): Promise<User> {
    const domain = this.localDomain(input.domain);
    const username = this.username(input.username);
    checkPassword(input.password);
    const { domain: _d, username: _u, password, ...profileInput } = input;
    const profile = validateProfile(profileInput);
    const created = await this.repository.insert({ domain, username, passwordHash: await this.hasher.hash(password), ...profile, disabled: false });
    if (!created) throw new UserExists(username, domain);
    await this.changes.changed({ domain, username });
    return created;
  }

  /** Whether any configured domain has an account yet. */
  hasAnyAccount(): Promise<boolean> {
    return this.repository.anyIn(this.domains.all.map((d) => d.name));
  }

  list(domain?: string): Promise<User[]> {
    return this.repository.list(domain === undefined ? undefined : this.domain(domain));
  }

  findById(id: string): Promise<User | null> {
    return this.repository.findById(id);
  }

  /**
   * The account by id, remembered for a second in this process: OpenID Connect asks for it at
   * every authorization, token exchange and userinfo call (oidc-provider's findAccount). A change
   * made in this process (AccountChanges: disable, remove, new profile) forgets it at once; one
   * made by another process or the CLI counts within the second everywhere. Absent ids are not
   * remembered. The returned row is shared: read it, never change it.
   */
  async findByIdRecent(id: string): Promise<User | null> {
    const hit = this.recentById.lookup(id);
    if (hit !== undefined) return hit.value;
    const user = await this.repository.findById(id);
    if (user !== null) this.recentById.set(id, user);
    return user;
  }

  /**
   * The account, or null. A malformed name still costs one lookup (of the empty name, which no
   * account has), so that response times do not sort names into malformed and unknown.
   */
  find(domain: string, username: string): Promise<User | null> {
    return this.repository.findOne(domain.toLowerCase(), tryNormalizeUsername(username) ?? '');
  }

  /**
   * An account of an `accounts: xmpp` domain that its XMPP server has just authenticated: its
   * row (created at the first sign-in, without a password hash, so that grants, sessions and
   * history work as for local accounts), with the vCard profile refreshed when `vcard` is given
   * (null: the account has no vCard; undefined: it could not be read, the stored one is kept).
   */
  async signedInByXmpp(domain: string, username: string, vcard?: VcardValues | null): Promise<User> {
    const name = { domain: this.domain(domain), username: this.username(username) };
    const user = await this.repository.upsertXmppAccount(name.domain, name.username, vcard);
    if (vcard !== undefined) await this.changes.changed(name);
    return user;
  }

  async setPassword(domain: string, username: string, password: string): Promise<void> {
    this.localDomain(domain);
    checkPassword(password);
    await this.change(domain, username, { passwordHash: await this.hasher.hash(password) }, true);
  }

  async setDisabled(domain: string, username: string, disabled: boolean): Promise<void> {
    await this.change(domain, username, { disabled });
  }

  async updateProfile(domain: string, username: string, changes: Partial<Record<keyof Profile, string | null>>): Promise<void> {
    await this.change(domain, username, validateProfile(changes));
  }

  async setReleaseDefaults(domain: string, username: string, fields: readonly string[]): Promise<void> {
    const known = new Set<string>(PROFILE_FIELDS);
    await this.change(domain, username, { releaseDefaults: [...new Set(fields)].filter((f): f is ProfileField => known.has(f)) });
  }

  /** Whether the OpenID bot announces this account's sign-ins to sites it has not seen before. */
  async setXmppNotices(domain: string, username: string, on: boolean): Promise<void> {
    await this.change(domain, username, { xmppNotices: on });
  }

  async remove(domain: string, username: string): Promise<void> {
    const name = { domain: this.domain(domain), username: this.username(username) };
    const deleted = await this.repository.delete(name.domain, name.username);
    await this.changes.changed(name);
    if (!deleted) throw new UnknownUser();
  }

  /**
   * Checks a password. Unknown users and malformed names cost the same argon2 work as a real
   * check, so that timing does not reveal which accounts exist; a disabled account is reported
   * as such only when the password is right, so that the message does not either.
   */
  async verifyCredentials(domain: string, username: string, password: string): Promise<CredentialCheck> {
    const name = tryNormalizeUsername(username);
    const user = name === undefined || password.length > MAX_PASSWORD ? null : await this.repository.findWithPasswordHash(domain.toLowerCase(), name);
    if (!user?.passwordHash) {
      // Unknown, or an XMPP account's row (no local password): the same work as a wrong password.
      await this.hasher.verifyNothing(password.slice(0, MAX_PASSWORD));
      return { ok: false, reason: 'invalid_credentials' };
    }
    if (!(await this.hasher.verify(user.passwordHash, password))) return { ok: false, reason: 'invalid_credentials' };
    if (user.disabled) return { ok: false, reason: 'account_disabled' };
    if (this.hasher.needsRehash(user.passwordHash)) {
      await this.repository.update(user.domain, user.username, { passwordHash: await this.hasher.hash(password) });
    }
    const { passwordHash: _hash, ...rest } = user;
    return { ok: true, user: rest as User };
  }

  private async change(domain: string, username: string, changes: Partial<User>, passwordChanged = false): Promise<void> {
    const name = { domain: this.domain(domain), username: this.username(username) };
    const changed = await this.repository.update(name.domain, name.username, changes);
    await this.changes.changed({ ...name, passwordChanged });
    if (!changed) throw new UnknownUser();
  }

  private domain(name: string): string {
    const domain = this.domains.byName(name);
    if (!domain) throw new UnknownDomain(name);
    return domain.name;
  }

  /** A domain whose passwords are ours to keep (not `accounts: xmpp`). */
  private localDomain(name: string): string {
    const domain = this.domain(name);
    if (this.domains.byName(domain)?.accounts === 'xmpp') throw new XmppManagedAccounts(domain);
    return domain;
  }

  private username(name: string): string {
    try {
      return normalizeUsername(name);
    } catch (error) {
      if (error instanceof InvalidUsername) throw new BadUsername(error);
      throw error;
    }
  }
}

function checkPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD) throw new WeakPassword(text('errors.invalid_password.too_short', { min: MIN_PASSWORD }));
  if (password.length > MAX_PASSWORD) throw new WeakPassword(text('errors.invalid_password.too_long', { max: MAX_PASSWORD }));
}
