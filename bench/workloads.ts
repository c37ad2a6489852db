// The workloads W0-W6: what each sends and expects (bench/wrk/*.lua), the data files their
// scripts read, the functional check each passes once before any load, the sign-in through the
// provider's real forms and the OpenID Connect authorisation that follows it.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Answer, Browser, parseKeyValue } from './browser.js';
import { authorizationPath, clientSecretBasic, codeOf, exchangeChecked, type OidcClient, readAuthorizationResponse, tokenBody } from './oidc-rp.js';
import type { WorkloadId } from './options.js';
import { associate, type AssocType, associateBody, type Association, assertionFields, checkAuthenticationBody, checkidPath, ConsumerKeys, type SessionType, signatureValid } from './rp.js';

/** What one server under test (the provider, or the peer) needs for the workloads. */
export interface Target {
  name: 'provider' | 'peer';
  base: string;
  ca: Buffer;
  user: string;
  identifier: string;
  realm: string;
  returnTo: string;
  /** wrk's data directory for this target: the session cookie, bodies, recorded assertions. */
  dataDir: string;
  /** The DH session and association type of W2-dh and W5 (the peer offers DH-SHA1 only). */
  dhSession: SessionType;
  dhAssocType: AssocType;
  /** Whether it serves no-encryption associations over HTTPS (W2-plain). */
  plainAssociate: boolean;
  /** The RP's association for W5 (made by prepare()). */
  association?: Association;
  /** "openid.assoc_handle=<handle>" as it appears, encoded, in this target's W5 Locations. */
  w5HandleInLocation?: string;
  /** The server's processes (roots of process trees) whose CPU time counts (bench/cpu.ts). */
  pids(): number[];
  /** The OpenID Connect client of W6-auth and W6 (the provider only: the peer has no Connect). */
  oidc?: OidcClient;
}

export const DESCRIPTIONS: Record<WorkloadId, string> = {
  W0: 'bare Fastify "hello" route, same TLS settings (the ceiling)',
  Wf: 'the provider\'s cheapest route, GET /healthz (its HTTP pipeline, nothing else: the floor under W1-W6)',
  W1: 'GET claimed identifier, Accept: application/xrds+xml',
  'W2-dh': 'associate DH-SHA256, HMAC-SHA256, spec default modulus',
  'W2-plain': 'associate HMAC-SHA256, no-encryption over HTTPS',
  W3: 'checkid_immediate, stateless, signed-in user, trusted realm → 302 id_res',
  W4: 'check_authentication of distinct W3 assertions, each once',
  W5: 'checkid_immediate with an RP association (smart mode) → 302 id_res',
  'W6-auth': 'OpenID Connect authorization request, PKCE, signed-in person, client always allowed → 303 code',
  W6: 'token request (client_secret_basic, PKCE) of distinct W6-auth codes, each once → ID token',
};

const ENDPOINT_PATH = '/openid';

export function identifierPath(target: Target): string {
  return new URL(target.identifier).pathname;
}

export function checkidImmediatePath(target: Target, assocHandle?: string): string {
  return checkidPath(ENDPOINT_PATH, { identifier: target.identifier, realm: target.realm, returnTo: target.returnTo, assocHandle });
}

function fail(target: Target, what: string, answer?: Answer): never {
  const detail = answer ? ` (HTTP ${answer.status}${answer.headers.location ? `, Location ${String(answer.headers.location).split('?')[0]}` : ''}: ${answer.body.slice(0, 300)})` : '';
  throw new Error(`${target.name}: ${what}${detail}`);
}

/**
 * Signs in once as a person does: the RP sends the browser to the provider with checkid_setup,
 * the login form (CSRF token, cookie), then the consent form with decision=allow_always for the
 * realm. Returns the session cookie ("name=value") the workloads send.
 */
export async function signIn(target: Target, password: string): Promise<string> {
  const browser = new Browser(target.ca);
  const setup = `${target.base}${checkidPath(ENDPOINT_PATH, { identifier: target.identifier, realm: target.realm, returnTo: target.returnTo }, 'checkid_setup')}`;
  let page = await browser.follow(await browser.get(setup), target.base);
  if (page.status !== 200 || !page.body.includes('name="password"')) fail(target, 'checkid_setup did not lead to the login form', page);
  const afterLogin = await browser.submit(page, { username: target.user, password });
  if (afterLogin.status !== 303 && afterLogin.status !== 302) fail(target, 'the login form did not sign in', afterLogin);
  page = await browser.follow(afterLogin, target.base);
  if (page.status !== 200 || !page.body.includes('value="allow_always"')) fail(target, 'no consent form after the login', page);
  const done = await browser.submit(page, { decision: 'allow_always' });
  const location = String(done.headers.location ?? '');
  if ((done.status !== 303 && done.status !== 302) || !location.startsWith(target.returnTo) || assertionFields(location).get('openid.mode') !== 'id_res') {
    fail(target, 'allow_always did not answer the RP with id_res', done);
  }
  const cookie = browser.cookieHeader(['__Host-op-session']);
  if (!cookie) fail(target, 'no __Host-op-session cookie after the sign-in');
  return cookie;
}

/** oidc-provider's session cookie as the provider names it (src/oidc/provider-configuration.ts cookieNames; TLS is always on here). */
const OIDC_SESSION_COOKIE = '__Host-op-oidc-session';

/** The cookies W6-auth sends: our session and oidc-provider's (and its signature, `.sig`). */
function isSessionCookie(name: string): boolean {
  return name === '__Host-op-session' || name === OIDC_SESSION_COOKIE || name === `${OIDC_SESSION_COOKIE}.sig`;
}

/**
 * After the OpenID 2.0 sign-in, the same person authorises the Connect client once as a browser
 * does: the authorization request (PKCE S256), the login prompt answered by our session at the
 * interaction, the consent page, decision=allow_always, and the 303 to the redirect_uri with a
 * code, which is exchanged once and checked as an RP checks it. Returns the cookie header W6-auth
 * sends (our session and oidc-provider's).
 */
export async function authoriseOidc(target: Target, cookie: string): Promise<string> {
  const client = target.oidc!;
  const browser = new Browser(target.ca);
  browser.addCookies(cookie);
  let page = await browser.follow(await browser.get(`${target.base}${authorizationPath(client)}`), target.base);
  if (page.status !== 200 || !page.body.includes('value="allow_always"')) fail(target, 'the authorization request of a signed-in person did not lead to the consent page', page);
  page = await browser.follow(await browser.submit(page, { decision: 'allow_always' }), target.base);
  const read = readAuthorizationResponse(page, client, target.base);
  if ('wrong' in read) fail(target, `allow_always did not answer the client with a code: ${read.wrong}`, page);
  await exchangeChecked(new Browser(target.ca), target.base, client, read.code);
  const cookies = browser.cookieHeader(isSessionCookie);
  if (!cookies.includes(`${OIDC_SESSION_COOKIE}=`)) fail(target, `no oidc-provider session cookie (${OIDC_SESSION_COOKIE}) after the authorisation`);
  return cookies;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
}

/**
 * One request of each workload, checked as an RP checks it, then the data files for wrk: W2's
 * bodies (a pool of RP key pairs), W5's association (DH, MAC key decrypted; each W5 assertion
 * signed with it). Throws on the first wrong answer, before any load.
 */
export async function prepare(target: Target, cookie: string, workloads: readonly WorkloadId[], oidcCookie?: string): Promise<string[]> {
  const notes: string[] = [];
  mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
  writePrivate(join(target.dataDir, 'cookie'), `${cookie}\n`);
  const client = new Browser(target.ca);
  const endpoint = `${target.base}${ENDPOINT_PATH}`;
  const keys = new ConsumerKeys();

  if (workloads.includes('W1')) {
    const xrds = await client.get(target.identifier, { accept: 'application/xrds+xml' });
    if (xrds.status !== 200 || !xrds.body.includes('http://specs.openid.net/auth/2.0/signon')) fail(target, 'W1: no XRDS for the claimed identifier', xrds);
  }
  if (workloads.includes('W2-dh')) {
    await associate(client, endpoint, target.dhAssocType, target.dhSession, keys);
    // A pool of RP key pairs: the provider's work per request does not depend on which one.
    const bodies = Array.from({ length: 64 }, () => associateBody(target.dhAssocType, target.dhSession, keys.create()).toString());
    writePrivate(join(target.dataDir, 'w2-dh.txt'), `${bodies.join('\n')}\n`);
  }
  if (workloads.includes('W2-plain') && target.plainAssociate) {
    await associate(client, endpoint, 'HMAC-SHA256', 'no-encryption', keys);
    writePrivate(join(target.dataDir, 'w2-plain.txt'), `${associateBody('HMAC-SHA256', 'no-encryption').toString()}\n`);
  }
  if (workloads.includes('W3')) {
    const answer = await client.get(`${target.base}${checkidImmediatePath(target)}`, { cookie });
    const location = String(answer.headers.location ?? '');
    if (answer.status !== 302 || assertionFields(location).get('openid.mode') !== 'id_res') fail(target, 'W3: checkid_immediate did not answer id_res', answer);
    if (workloads.includes('W4')) {
      const body = checkAuthenticationBody(location);
      const once = parseKeyValue((await client.post(endpoint, new URLSearchParams(body))).body);
      if (once.get('is_valid') !== 'true') fail(target, `W4: check_authentication of a fresh assertion answered is_valid:${once.get('is_valid')}`);
      const twice = parseKeyValue((await client.post(endpoint, new URLSearchParams(body))).body);
      notes.push(twice.get('is_valid') === 'false' ? 'a replayed check_authentication is refused (is_valid:false)' : 'a replayed check_authentication is ACCEPTED (no nonce or handle is consumed)');
      if (target.name === 'provider' && twice.get('is_valid') !== 'false') fail(target, 'W4: a replayed check_authentication was accepted');
    }
  }
  if (workloads.includes('W5')) {
    const association = await associate(client, endpoint, target.dhAssocType, target.dhSession, keys);
    target.association = association;
    const answer = await client.get(`${target.base}${checkidImmediatePath(target, association.handle)}`, { cookie });
    const location = String(answer.headers.location ?? '');
    if (answer.status !== 302 || !signatureValid(location, association)) fail(target, 'W5: the assertion is not signed with the RP association', answer);
    target.w5HandleInLocation = /[?&](openid\.assoc_handle=[^&]*)/.exec(location)![1];
  }
  if (workloads.includes('W6-auth') && target.oidc) {
    if (!oidcCookie) throw new Error('W6-auth needs the cookies of the Connect authorisation (authoriseOidc)');
    writePrivate(join(target.dataDir, 'oidc-cookie'), `${oidcCookie}\n`);
    // RFC 6749 §2.3.1 client_secret_basic: the header, secret included, only ever in this file.
    writePrivate(join(target.dataDir, 'oidc-client-auth'), `${clientSecretBasic(target.oidc.clientId, target.oidc.secret)}\n`);
    const answer = await client.get(`${target.base}${authorizationPath(target.oidc)}`, { cookie: oidcCookie });
    const read = readAuthorizationResponse(answer, target.oidc, target.base);
    if ('wrong' in read) fail(target, `W6-auth: the authorization request of a person who always allows the client: ${read.wrong}`, answer);
    if (workloads.includes('W6')) await exchangeChecked(client, target.base, target.oidc, read.code);
  }
  return notes;
}

/** Lines of the files `<prefix>-*.txt` a W3, W5 or W6-auth run recorded. */
export function recorded(target: Target, prefix: string): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(target.dataDir).filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.txt')).sort()) {
    lines.push(...readFileSync(join(target.dataDir, file), 'utf8').split('\n').filter(Boolean));
  }
  return lines;
}

/** A single-use workload's bodies, one list per wrk thread (`<toPrefix>-<thread>.txt`); how many. */
function perThread(target: Target, bodies: readonly string[], toPrefix: string, threads: number): number {
  for (let t = 0; t < threads; t++) {
    const mine = bodies.filter((_, i) => i % threads === t);
    writePrivate(join(target.dataDir, `${toPrefix}-${t}.txt`), mine.length ? `${mine.join('\n')}\n` : '');
  }
  return bodies.length;
}

/** W4's input: the assertions a W3 run recorded, as check_authentication bodies, one list per wrk thread. */
export function prepareW4(target: Target, fromPrefixes: readonly string[], toPrefix: string, threads: number): number {
  return perThread(target, fromPrefixes.flatMap((prefix) => recorded(target, prefix)).map(checkAuthenticationBody), toPrefix, threads);
}

/** W6's input: the codes a W6-auth run recorded, as token request bodies, one list per wrk thread. */
export function prepareW6(target: Target, fromPrefixes: readonly string[], toPrefix: string, threads: number): number {
  const client = target.oidc!;
  return perThread(target, fromPrefixes.flatMap((prefix) => recorded(target, prefix)).map((location) => tokenBody(client, codeOf(location))), toPrefix, threads);
}

/** W5's recorded sample: how many assertions fail the RP's signature check. */
export function badW5Signatures(target: Target, prefix: string): { checked: number; bad: number } {
  const sample = recorded(target, prefix);
  const bad = sample.filter((location) => !signatureValid(location, target.association!)).length;
  return { checked: sample.length, bad };
}
