import { createServer, connect, type Server, type Socket } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { decodeKeyValueForm } from '../../src/protocol/kv-form.js';
import { Browser, startRelyingPartySite, type BrowserResponse, type RelyingPartySite } from '../helpers/live.js';

// Shared pieces of the fault suites: a relying party whose return_to verifies (RP discovery,
// OpenID 2.0 §9.2.1, so that "Always allow" counts whatever the return_to policy), the OpenID
// requests the suites send, a TCP load balancer in front of several providers, and a poll with
// a deadline instead of fixed sleeps.

export const NS = 'http://specs.openid.net/auth/2.0';
export const PASSWORD = 'wherefore-art-thou-romeo';

/** Discovery settings that let the provider fetch the RP's XRDS on 127.0.0.1 over http (test only). */
export const LOCAL_DISCOVERY = { discovery: { https_only: false, allow_private_addresses: true } };

/** The RP's site, serving at its realm an XRDS that lists its return_to (OpenID 2.0 §13). */
export async function verifiableRelyingParty(): Promise<RelyingPartySite & { returnTo: string; realm: string }> {
  const site = await startRelyingPartySite();
  const returnTo = `${site.origin}/verify`;
  site.routes.set('/', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xrds+xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/return_to</Type><URI>${returnTo}</URI></Service></XRD></xrds:XRDS>`);
  });
  return { ...site, returnTo, realm: `${site.origin}/` };
}

/** A checkid_* request URL for `identity` at `endpoint`. */
export function checkidUrl(endpoint: string, identity: string, rp: { returnTo: string; realm: string }, mode: 'checkid_setup' | 'checkid_immediate', extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ 'openid.ns': NS, 'openid.mode': mode, 'openid.claimed_id': identity, 'openid.identity': identity, 'openid.return_to': rp.returnTo, 'openid.realm': rp.realm, ...extra });
  return `${endpoint}?${q}`;
}

/** The openid.* parameters of a redirect to the RP (undefined when the answer is not one). */
export function assertionOf(res: BrowserResponse, returnTo: string): URLSearchParams | undefined {
  if (res.status !== 302 && res.status !== 303) return undefined;
  const location = String(res.headers.location ?? '');
  if (!location.startsWith(returnTo)) return undefined;
  return new URL(location).searchParams;
}

/** Signs in on the login page (a fresh one) as `username`. */
export async function signIn(browser: Browser, base: string, username: string, password = PASSWORD): Promise<void> {
  const page = await browser.request('GET', `${base}/login`);
  const res = await browser.submit(page, { username, password });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${res.body.slice(0, 300)}`);
}

/** checkid_setup of a signed-in browser, answered "Always allow" on the consent page; returns the assertion. */
export async function trustAlways(browser: Browser, base: string, endpoint: string, identity: string, rp: { returnTo: string; realm: string }): Promise<URLSearchParams> {
  const consent = await browser.follow(checkidUrl(endpoint, identity, rp, 'checkid_setup'), base);
  if (!consent.body.includes('name="decision"')) throw new Error(`no consent page (${consent.status}): ${consent.body.slice(0, 300)}`);
  const back = await browser.submit(consent, { decision: 'allow_always' });
  const assertion = assertionOf(back, rp.returnTo);
  if (assertion?.get('openid.mode') !== 'id_res') throw new Error(`no positive assertion after "Always allow" (${back.status})`);
  return assertion;
}

/** A direct request (OpenID 2.0 §5.1.1): POST, key-value answer. */
export async function direct(endpoint: string, fields: Record<string, string>): Promise<{ status: number; fields: Record<string, string>; body: string; headers: Record<string, string | string[] | undefined> }> {
  const res = await new Browser({ connection: 'close' }).request('POST', endpoint, fields, { accept: 'text/plain' });
  let parsed: Record<string, string>;
  try {
    parsed = res.status === 200 || res.status === 400 ? Object.fromEntries(decodeKeyValueForm(res.body)) : {};
  } catch {
    parsed = {};
  }
  return { status: res.status, fields: parsed, body: res.body, headers: res.headers };
}

/** associate, HMAC-SHA256 without encryption (allowed over TLS, §8.4.1). */
export function associate(endpoint: string): ReturnType<typeof direct> {
  return direct(endpoint, { 'openid.ns': NS, 'openid.mode': 'associate', 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'no-encryption' });
}

/** check_authentication (§11.4.2.1) of the openid.* fields of an assertion. */
export function checkAuthentication(endpoint: string, assertion: URLSearchParams): ReturnType<typeof direct> {
  const fields: Record<string, string> = {};
  for (const [k, v] of assertion) if (k.startsWith('openid.')) fields[k] = v;
  fields['openid.mode'] = 'check_authentication';
  return direct(endpoint, fields);
}

/** Polls `probe` until it answers true, every `intervalMs`; throws (with `what`) after `timeoutMs`. Answers the time it took. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A GET with the page headers of a machine (problem+json preferred), on a fresh connection. */
export function machineGet(url: string): Promise<BrowserResponse> {
  return new Browser({ connection: 'close' }).request('GET', url, undefined, { accept: 'application/json' });
}

export interface Balancer {
  port: number;
  /** Which backend new connections go to. */
  target: number;
  close(): Promise<void>;
}

/**
 * A TCP load balancer on 127.0.0.1 (TLS passes through): each new connection goes to the port
 * `target` names at that moment, as a balancer moves a browser between instances.
 */
export async function startBalancer(target: number): Promise<Balancer> {
  const sockets = new Set<Socket>();
  const balancer: Balancer = { port: 0, target, close: async () => undefined };
  const server: Server = createServer((client) => {
    const upstream = connect(balancer.target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  balancer.port = (server.address() as { port: number }).port;
  balancer.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return balancer;
}

/** One HTTPS GET that reports a reset or refused connection instead of throwing. */
export function rawGet(url: string, timeoutMs: number): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { headers: { connection: 'close', accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}
