import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error.js';
import { text } from '../i18n/locale.js';
import { cookieName, readCookie, setCookie } from './cookies.js';

// CSRF protection for every form: a double-submit token. The browser holds it in a __Host-
// cookie (HttpOnly, SameSite=Lax: unreadable by scripts, unplantable by sibling subdomains) and
// each form repeats it in a hidden field; a cross-site form cannot know it. The Origin header,
// when the browser sends one, must also be ours.

export class CsrfFailure extends AppError {
  constructor() {
    super('csrf_failed', 403, text('errors.csrf_failed.title'), text('errors.csrf_failed.detail'));
  }
}

const COOKIE = 'op-csrf';

/** The token for forms on this response, reusing the browser's cookie when it has one. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply, newToken: () => string): string {
  const name = cookieName(COOKIE, request.secure);
  const existing = readCookie(request, name);
  if (existing && existing.length >= 32) return existing;
  const token = newToken();
  setCookie(reply, name, token, { httpOnly: true, secure: request.secure });
  return token;
}

/**
 * A new token at sign-in, whatever the browser held (OWASP ASVS 4.0 3.2.1; no fixation): a token
 * planted or read before the login is worth nothing after it. The pages of this response carry none.
 */
export function rotateCsrfToken(request: FastifyRequest, reply: FastifyReply, newToken: () => string): void {
  setCookie(reply, cookieName(COOKIE, request.secure), newToken(), { httpOnly: true, secure: request.secure });
}

/**
 * What ties a passkey sign-in's challenge to this browser (src/auth/login/passkey-login.service.ts):
 * the SHA-256 of its CSRF cookie, which only this browser holds (HttpOnly) and a sign-in renews.
 * Only after CsrfGuard (the cookie is there and matched the form).
 */
export function browserBinding(request: FastifyRequest): Buffer {
  const cookie = readCookie(request, cookieName(COOKIE, request.secure));
  if (!cookie) throw new CsrfFailure();
  return createHash('sha256').update(cookie, 'utf8').digest();
}

export function checkCsrf(request: FastifyRequest, submitted: unknown, origin: string): void {
  // "null" is what privacy settings and no-referrer pages send: no information, so the token
  // decides. Any real origin other than ours is a cross-site post.
  const sentOrigin = request.headers.origin;
  if (sentOrigin !== undefined && sentOrigin !== 'null' && sentOrigin !== origin) throw new CsrfFailure();
  const cookie = readCookie(request, cookieName(COOKIE, request.secure));
  if (typeof submitted !== 'string' || !cookie) throw new CsrfFailure();
  const a = Buffer.from(submitted);
  const b = Buffer.from(cookie);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new CsrfFailure();
}

/**
 * The check on every form POST (`@UseGuards(CsrfGuard)`): guards run before pipes, so a
 * cross-site or stale post is refused (403) before its fields are even validated. The token is
 * read from the raw body: a repeated or missing `csrf` is simply not a valid token.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const submitted = (request.body as Record<string, unknown> | undefined)?.['csrf'];
    // Set by the HTTP pipeline for every non-operational route.
    checkCsrf(request, submitted, new URL(request.domain!.base_url).origin);
    return true;
  }
}
