import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Random } from '../../common/random.js';
import { identifierUrl } from '../../discovery/urls.js';
import { sendPage } from '../../http/pages.js';
import { CheckidService } from '../checkid/checkid.service.js';
import type { CheckidContext } from '../checkid/checkid-context.js';
import { UsersService } from '../../users/users.service.js';
import { AuditService } from '../../audit/audit.service.js';
import { CredentialBackend } from './credential-backend.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { checkCsrf, csrfToken } from '../../http/csrf.js';
import { clientInfo, formField, requireDomain } from '../../http/request-input.js';
import { resumeRequest, sendOutcome } from '../checkid/checkid-http.js';
import { loginPage, type LoginView } from './login-page.js';
import { readSessionToken, writeSessionCookie } from '../session/session-cookies.js';
import { SessionService } from '../session/session.service.js';

const MESSAGES = {
  invalid_credentials: 'Wrong username or password.',
  account_disabled: 'This account is disabled. Ask the administrator of this domain.',
} as const;

function tooManyAttempts(seconds: number): string {
  const wait = seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many failed attempts. Try again in ${wait}.`;
}

/** The login page of the public contract: username, password, remember, CSRF and request id. */
@Controller('login')
export class LoginController {
  constructor(
    private readonly credentials: CredentialBackend,
    private readonly sessions: SessionService,
    private readonly checkid: CheckidService,
    private readonly random: Random,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly users: UsersService,
  ) {}

  @Get()
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query('request') requestId?: string): Promise<void> {
    if (!requestId) {
      // Already signed in and nothing to continue: the identity page is where they want to be.
      const active = await this.sessions.resolve(readSessionToken(request));
      if (active && active.user.domain === requireDomain(request).name) {
        reply.redirect(identifierUrl(requireDomain(request), active.user.username), 302);
        return;
      }
    }
    const view = await this.view(request, reply, requestId);
    sendPage(reply, 200, loginPage(view));
  }

  @Post()
  async submit(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const domain = requireDomain(request);
    checkCsrf(request, formField(request, 'csrf'), new URL(domain.base_url).origin);
    const requestId = formField(request, 'request') || undefined;
    const ctx = requestId === undefined ? undefined : await resumeRequest(this.checkid, request, requestId);
    const username = formField(request, 'username') ?? '';
    const password = formField(request, 'password') ?? '';
    const keys = this.throttle.keys(domain.name, username, request.ip);
    const locked = await this.throttle.waitSeconds(keys);
    if (locked > 0) {
      // No password is checked while locked: the lock costs an attacker the attempt.
      await this.audit.record({ kind: 'login_throttled', domain: domain.name, ...(await this.userRef(domain.name, username)), ...clientInfo(request) });
      return this.refuse(request, reply, requestId, ctx, username, 429, tooManyAttempts(locked), locked);
    }
    const result = await this.credentials.verify(domain.name, username, password);
    if (!result.ok) {
      await this.audit.record({ kind: 'login_failed', domain: domain.name, ...(await this.userRef(domain.name, username)), ...clientInfo(request) });
      const wait = await this.throttle.recordFailure(keys);
      if (wait > 0) return this.refuse(request, reply, requestId, ctx, username, 429, tooManyAttempts(wait), wait);
      return this.refuse(request, reply, requestId, ctx, username, 401, MESSAGES[result.reason]);
    }
    await this.throttle.recordSuccess(keys);
    await this.audit.record({ kind: 'login_succeeded', domain: domain.name, userId: result.user.id, realm: ctx?.realm?.value, ...clientInfo(request) });
    // A new session at every login, the old one ended: a session id planted before login is
    // worth nothing after it (no fixation).
    await this.sessions.revoke(readSessionToken(request));
    const remember = formField(request, 'remember') === '1';
    const created = await this.sessions.create(result.user, { remember, ip: request.ip, userAgent: request.headers['user-agent'] });
    writeSessionCookie(request, reply, created.token, this.sessions.cookieMaxAge(created.session));
    if (ctx && requestId) {
      sendOutcome(request, reply, await this.checkid.decide(ctx, { session: created.session, user: result.user }, requestId));
      return;
    }
    reply.redirect(identifierUrl(domain, result.user.username), 303);
  }

  /** Failed logins go in the history of the account they were aimed at, when it exists. */
  private async userRef(domain: string, username: string): Promise<{ userId: string | null }> {
    return { userId: (await this.users.find(domain, username))?.id ?? null };
  }

  private async refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    requestId: string | undefined,
    ctx: CheckidContext | undefined,
    username: string,
    status: 401 | 429,
    error: string,
    retryAfter?: number,
  ): Promise<void> {
    const view = await this.view(request, reply, requestId, ctx);
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    sendPage(reply, status, loginPage({ ...view, username, error }));
  }

  private async view(request: FastifyRequest, reply: FastifyReply, requestId: string | undefined, known?: CheckidContext): Promise<LoginView> {
    const domain = requireDomain(request);
    const ctx = known ?? (requestId ? await resumeRequest(this.checkid, request, requestId) : undefined);
    return {
      csrf: csrfToken(request, reply, () => this.random.token()),
      requestId: ctx ? requestId : undefined,
      domain: domain.name,
      username: ctx?.identity?.kind === 'user' ? ctx.identity.username : undefined,
      realm: ctx?.realm?.value,
      returnToOrigin: ctx?.returnTo ? new URL(ctx.returnTo.value).origin : undefined,
    };
  }
}
