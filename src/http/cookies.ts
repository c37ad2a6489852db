import type { FastifyReply, FastifyRequest } from 'fastify';

// Cookies, parsed and written by hand (RFC 6265): the provider sets two, and the rules that
// matter for them (prefixes, Secure, HttpOnly, SameSite) are clearer spelled out than configured.

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,256}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  httpOnly: boolean;
  secure: boolean;
}

/**
 * Name of a cookie: `__Host-` prefixed when secure (RFC 6265bis §4.1.3.2: Secure, Path=/, no
 * Domain; a sibling subdomain cannot plant or overwrite it), plain otherwise (plain-HTTP
 * development only, where browsers refuse Secure cookies).
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const parts = [`${name}=${value}`, 'Path=/', 'SameSite=Lax'];
  if (options.secure) parts.push('Secure');
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  appendSetCookie(reply, parts.join('; '));
}

export function clearCookie(reply: FastifyReply, name: string, secure: boolean): void {
  appendSetCookie(reply, clearedCookie(name, secure));
}

/** The Set-Cookie value that removes `name` (for responses written outside Fastify's reply). */
export function clearedCookie(name: string, secure: boolean): string {
  return `${name}=; Path=/; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}; HttpOnly`;
}

function appendSetCookie(reply: FastifyReply, cookie: string): void {
  // Fastify appends to an existing set-cookie itself (RFC 7230 §3.2.2: one header line per
  // cookie): passing the existing list again would repeat every cookie already written. The
  // first one goes as a list, so that the header is always one.
  reply.header('set-cookie', reply.hasHeader('set-cookie') ? cookie : [cookie]);
}
