import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieName, readCookie, setCookie } from '../../http/cookies.js';
import { csrfToken, rotateCsrfToken } from '../../http/csrf.js';
import { prefersHtml } from '../../http/error-responder.js';
import { sendPage } from '../../http/pages.js';
import { sendOutcome } from '../checkid/checkid-http.js';
import { writeSessionCookie } from '../session/session-cookies.js';
import { loginPage } from './login-page.js';
import type { LoginResult } from './login.service.js';

// The device cookie (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): __Host-,
// Secure, HttpOnly, SameSite=Lax, long-lived (security.login_rate_limit.device_cookie_lifetime).
const DEVICE = 'op-device';

export function readDeviceToken(request: FastifyRequest): string | undefined {
  return readCookie(request, cookieName(DEVICE, request.secure));
}

/** Answers a login step: the page (with the browser's CSRF token), a redirect, or the signed-in next step. */
export function answerLogin(request: FastifyRequest, reply: FastifyReply, result: LoginResult, newToken: () => string): void {
  switch (result.kind) {
    case 'page':
      if (result.retryAfter !== undefined) reply.header('retry-after', String(result.retryAfter));
      sendPage(reply, result.status, loginPage({ ...result.view, csrf: csrfToken(request, reply, newToken) }));
      return;
    case 'unavailable':
      // Machines get the 503 problem document (with Retry-After) from the error responder.
      if (!prefersHtml(request)) throw result.error;
      for (const [name, value] of Object.entries(result.error.headers ?? {})) reply.header(name, value);
      sendPage(reply, 503, loginPage({ ...result.view, csrf: csrfToken(request, reply, newToken) }));
      return;
    case 'redirect':
      sendOutcome(request, reply, { kind: 'redirect', location: result.location });
      return;
    case 'signed-in':
      writeSessionCookie(request, reply, result.session.token, result.session.maxAgeSeconds);
      // The session token is new (LoginService.completeSignIn); so is the CSRF token.
      rotateCsrfToken(request, reply, newToken);
      if (result.device) setCookie(reply, cookieName(DEVICE, request.secure), result.device.token, { httpOnly: true, secure: request.secure, maxAgeSeconds: result.device.maxAgeSeconds });
      // Answered by the error responder, the new session cookie already on the reply.
      if (result.next.kind === 'error') throw result.next.error;
      sendOutcome(request, reply, result.next);
      return;
  }
}
