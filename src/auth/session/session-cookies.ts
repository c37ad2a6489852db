import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearCookie, clearedCookie, cookieName, readCookie, setCookie } from '../../http/cookies.js';

// The session cookie: __Host-op-session, Secure, HttpOnly, SameSite=Lax (sent on the RP's
// top-level redirect to us, never on cross-site subrequests or POSTs).
const SESSION = 'op-session';

export function readSessionToken(request: FastifyRequest): string | undefined {
  return readCookie(request, cookieName(SESSION, request.secure));
}

export function writeSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number | undefined): void {
  setCookie(reply, cookieName(SESSION, request.secure), token, { httpOnly: true, secure: request.secure, maxAgeSeconds });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  clearCookie(reply, cookieName(SESSION, request.secure), request.secure);
}

/** The Set-Cookie value ending the session cookie, for a response oidc-provider writes (logout). */
export function clearedSessionCookie(request: FastifyRequest): string {
  return clearedCookie(cookieName(SESSION, request.secure), request.secure);
}
