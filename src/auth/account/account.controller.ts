import { Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { identifierUrl } from '../../discovery/urls.js';
import { AppError } from '../../http/app-error.js';
import { PROFILE_FIELDS, type ProfileField, type User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { AccountService } from './account.service.js';
import type { AuditKind } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import { checkCsrf } from '../../http/csrf.js';
import { clientInfo, formField, requireDomain } from '../../http/request-input.js';
import { clearSessionCookie, readSessionToken } from '../session/session-cookies.js';
import { SessionService } from '../session/session.service.js';

export class NotSignedIn extends AppError {
  constructor() {
    super('not_signed_in', 401, 'Not signed in', 'Sign in first, then try again.');
  }
}

/** The owner's actions from the identity page, and signing out. Every one is a CSRF-checked POST. */
@Controller()
export class AccountController {
  constructor(
    private readonly sessions: SessionService,
    private readonly account: AccountService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

  @Post('logout')
  async logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.owner(request, false);
    await this.sessions.revoke(readSessionToken(request));
    clearSessionCookie(request, reply);
    if (user) await this.record(request, user, 'logout');
    reply.redirect('/login', 303);
  }

  @Post('logout-everywhere')
  async logoutEverywhere(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = await this.owner(request, true);
    await this.sessions.revokeAll(user!.id);
    clearSessionCookie(request, reply);
    await this.record(request, user!, 'logout_everywhere');
    reply.redirect('/login', 303);
  }

  /** The profile form: values (validated in SReg formats) and which fields are shared by default. */
  @Post('account/profile')
  async saveProfile(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = (await this.owner(request, true))!;
    const changes: Partial<Record<ProfileField, string | null>> = {};
    for (const field of PROFILE_FIELDS) {
      const value = formField(request, field);
      if (value !== undefined) changes[field] = value;
    }
    await this.users.updateProfile(user.domain, user.username, changes);
    const share = (request.body as Record<string, unknown> | undefined)?.['share'];
    await this.users.setReleaseDefaults(user.domain, user.username, (Array.isArray(share) ? share : share === undefined ? [] : [share]).map(String));
    reply.redirect(identifierUrl(requireDomain(request), user.username), 303);
  }

  @Post('account/trust/:id/revoke')
  async revokeTrust(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = (await this.owner(request, true))!;
    if (await this.account.revokeGrant(user, id)) await this.record(request, user, 'trust_revoked');
    reply.redirect(identifierUrl(requireDomain(request), user.username), 303);
  }

  @Post('account/sessions/:id/revoke')
  async revokeSession(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const user = (await this.owner(request, true))!;
    if (await this.account.revokeSession(user, id)) await this.record(request, user, 'session_revoked');
    reply.redirect(identifierUrl(requireDomain(request), user.username), 303);
  }

  /** The signed-in user after the CSRF check; `required` turns "nobody" into a 401 page. */
  private async owner(request: FastifyRequest, required: boolean): Promise<User | undefined> {
    checkCsrf(request, formField(request, 'csrf'), new URL(requireDomain(request).base_url).origin);
    const active = await this.sessions.resolve(readSessionToken(request));
    if (!active && required) throw new NotSignedIn();
    return active?.user;
  }

  private record(request: FastifyRequest, user: User, kind: AuditKind): Promise<void> {
    const client = clientInfo(request);
    return this.audit.record({ kind, domain: user.domain, userId: user.id, ip: client.ip, userAgent: client.userAgent });
  }
}
