import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearCookie, cookieName, readCookie, setCookie } from '../../http/cookies.js';
import { answerInPopup } from '../../http/popup.js';
import { answerLogin } from '../login/login-http.js';
import type { ApprovalStart } from './login-approval.service.js';

// The browser-binding cookie of a sign-in approval: a random token whose SHA-256 the approval row
// keeps, so that only the browser that asked can complete the sign-in (another one, or someone
// who only learnt the waiting page's URL, gets nothing). __Host-, Secure, HttpOnly, SameSite=Lax.
const APPROVAL = 'op-approval';

export function readApprovalToken(request: FastifyRequest): string | undefined {
  return readCookie(request, cookieName(APPROVAL, request.secure));
}

export function writeApprovalCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  setCookie(reply, cookieName(APPROVAL, request.secure), token, { httpOnly: true, secure: request.secure, maxAgeSeconds });
}

export function clearApprovalCookie(request: FastifyRequest, reply: FastifyReply): void {
  clearCookie(reply, cookieName(APPROVAL, request.secure), request.secure);
}

/** Answers POST /login with method=xmpp: the login page again (refused), or on to the waiting page. */
export function answerApprovalStart(request: FastifyRequest, reply: FastifyReply, start: ApprovalStart, newToken: () => string): void {
  if (start.kind === 'login') return answerLogin(request, reply, start.result, newToken);
  writeApprovalCookie(request, reply, start.browserToken, start.maxAgeSeconds);
  // OpenID UI Extension 1.0 §5: on to the waiting page without cutting the popup from its opener.
  if (start.popup) answerInPopup(reply);
  reply.header('cache-control', 'no-store').redirect(`/login/approval/${start.id}`, 303);
}
