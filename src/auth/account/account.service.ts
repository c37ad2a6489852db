import { Injectable } from '@nestjs/common';
import type { DomainConfig } from '../../config/config.schema.js';
import { identifierUrl } from '../../discovery/urls.js';
import { AppError } from '../../http/app-error.js';
import { text } from '../../i18n/locale.js';
import type { ClientInfo } from '../../http/request-input.js';
import type { PrivateIdentifier } from '../../realm/private-identifier.entity.js';
import { PrivateIdentifiersService } from '../../realm/private-identifiers.service.js';
import type { TrustGrant } from '../../realm/trust-grant.entity.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import { PROFILE_FIELDS, type ProfileField, type User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import type { AuditEvent, AuditKind } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import type { Session } from '../session/session.entity.js';
import { SessionService } from '../session/session.service.js';
import type { ProfileForm } from './account.dto.js';

export class NotSignedIn extends AppError {
  constructor() {
    super('not_signed_in', 401, text('errors.not_signed_in.title'), text('errors.not_signed_in.detail'));
  }
}

export interface AccountOverview {
  grants: TrustGrant[];
  /** The sites that got a private identifier (owner view only: the public one never shows them). */
  privateIdentifiers: PrivateIdentifier[];
  sessions: Session[];
  events: AuditEvent[];
}

/** Where an account action sends the browser next, and whether this browser's session cookie goes. */
export interface AccountAnswer {
  location: string;
  clearSession: boolean;
}

/** What the owner sees and changes on their identity page, and signing out. */
@Injectable()
export class AccountService {
  constructor(
    private readonly sessions: SessionService,
    private readonly trust: TrustGrantsService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
    private readonly privateIdentifiers: PrivateIdentifiersService,
  ) {}

  async overview(user: User): Promise<AccountOverview> {
    const [grants, privateIdentifiers, sessions, events] = await Promise.all([this.trust.list(user.id), this.privateIdentifiers.list(user.id), this.sessions.listActive(user.id), this.audit.recent(user.id)]);
    return { grants, privateIdentifiers, sessions, events };
  }

  /** Ends this browser's session (signed in or not: the cookie goes either way). */
  async logout(sessionToken: string | undefined, client: ClientInfo): Promise<AccountAnswer> {
    const active = await this.sessions.resolve(sessionToken);
    await this.sessions.revoke(sessionToken);
    if (active) await this.record(active.user, 'logout', client);
    return { location: '/login', clearSession: true };
  }

  async logoutEverywhere(sessionToken: string | undefined, client: ClientInfo): Promise<AccountAnswer> {
    const user = await this.owner(sessionToken);
    await this.sessions.revokeAll(user.id);
    await this.record(user, 'logout_everywhere', client);
    return { location: '/login', clearSession: true };
  }

  /** The profile form: values (validated in SReg formats by UsersService) and the fields shared by default. */
  async saveProfile(domain: DomainConfig, sessionToken: string | undefined, form: ProfileForm): Promise<AccountAnswer> {
    const user = await this.owner(sessionToken);
    const changes: Partial<Record<ProfileField, string>> = {};
    for (const field of PROFILE_FIELDS) {
      const value = form[field];
      if (value !== undefined) changes[field] = value;
    }
    await this.users.updateProfile(user.domain, user.username, changes);
    await this.users.setReleaseDefaults(user.domain, user.username, form.share);
    return this.backToIdentityPage(domain, user);
  }

  /** The OpenID bot's new-site notices on or off (also `notices on|off` in chat). */
  async setNotices(domain: DomainConfig, sessionToken: string | undefined, on: boolean): Promise<AccountAnswer> {
    const user = await this.owner(sessionToken);
    await this.users.setXmppNotices(user.domain, user.username, on);
    return this.backToIdentityPage(domain, user);
  }

  async revokeGrant(domain: DomainConfig, sessionToken: string | undefined, grantId: string, client: ClientInfo): Promise<AccountAnswer> {
    const user = await this.owner(sessionToken);
    if (isUuid(grantId) && (await this.trust.revoke(user.id, grantId))) await this.record(user, 'trust_revoked', client);
    return this.backToIdentityPage(domain, user);
  }

  async revokeSession(domain: DomainConfig, sessionToken: string | undefined, sessionId: string, client: ClientInfo): Promise<AccountAnswer> {
    const user = await this.owner(sessionToken);
    if (isUuid(sessionId) && (await this.sessions.revokeById(user.id, sessionId))) await this.record(user, 'session_revoked', client);
    return this.backToIdentityPage(domain, user);
  }

  /** The signed-in user; nobody is a 401 page. */
  private async owner(sessionToken: string | undefined): Promise<User> {
    const active = await this.sessions.resolve(sessionToken);
    if (!active) throw new NotSignedIn();
    return active.user;
  }

  private backToIdentityPage(domain: DomainConfig, user: User): AccountAnswer {
    return { location: identifierUrl(domain, user.username), clearSession: false };
  }

  private record(user: User, kind: AuditKind, client: ClientInfo): Promise<void> {
    return this.audit.record({ kind, domain: user.domain, userId: user.id, ip: client.ip, userAgent: client.userAgent });
  }
}

/** The routes check ids already (uuidParam); this keeps a malformed one away from the uuid columns. */
function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
