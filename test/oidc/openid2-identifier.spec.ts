import openid from 'openid';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, startProvider, type LiveProvider } from '../helpers/live.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';

// OpenID 2.0 to OpenID Connect Migration 1.0 §6 (rule 2): the RP fetches the OpenID 2.0
// Identifier it got as `openid2_id` with `Accept: application/json` and compares the `iss` it
// finds there with the ID token's. {base}/openid/{user} answers that beside its HTML and XRDS
// (OpenID 2.0 §7.3; Yadis 1.0 §6.2.4), which must stay exactly as they were.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };
const BASE = 'https://example.org';
const CHAT = { host: 'chat.example', 'x-forwarded-proto': 'https' };
const PASSWORD = 'a good passphrase';

describe('the issuer of an identifier, as JSON (Migration §6)', () => {
  let t: TestApp;
  let username: string;

  beforeAll(async () => {
    t = await bootApp(
      testConfig({
        domains: [
          { name: 'example.org', base_url: BASE },
          // Discovery answers for every valid localpart of an XMPP domain; nothing connects to
          // this server unless someone signs in.
          { name: 'chat.example', base_url: 'https://chat.example', accounts: 'xmpp', xmpp: { server: 'xmpp://127.0.0.1:9' } },
        ],
        server: { trusted_proxies: ['127.0.0.1'] },
      }),
    );
    username = uniqueName('romeo');
    await t.app.get(UsersService).create({ domain: 'example.org', username, password: PASSWORD });
  });
  afterAll(() => t.close());

  it('answers {"iss": "{base}"} as application/json, cacheable and varying by Accept', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username}`, headers: { ...HTTPS, accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    // RFC 8259 §11: no charset parameter on application/json; the spec's example has none either.
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe('{"iss":"https://example.org"}');
    // Migration §6: `iss` is a top-level member whose value must exactly match the ID token's.
    expect(res.json()).toEqual({ iss: BASE });
    expect(res.headers.vary).toBe('Accept');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-xrds-location']).toBeUndefined();
  });

  it('answers the same issuer for any spelling of the username, as discovery maps them to one account', async () => {
    const name = uniqueName('ñandú');
    await t.app.get(UsersService).create({ domain: 'example.org', username: name, password: PASSWORD });
    for (const path of [`/openid/${encodeURIComponent(name)}`, `/openid/${encodeURIComponent(name.toUpperCase())}`]) {
      const res = await t.app.inject({ method: 'GET', url: path, headers: { ...HTTPS, accept: 'application/json' } });
      expect(res.statusCode, path).toBe(200);
      expect(res.json(), path).toEqual({ iss: BASE });
    }
  });

  it('negotiates JSON, HTML and XRDS on Accept (RFC 9110 §12.5.1), XRDS and HTML winning ties as before', async () => {
    const json = 'application/json';
    const html = 'text/html; charset=utf-8';
    const xrds = 'application/xrds+xml';
    const cases: [string | undefined, string][] = [
      ['application/json', json],
      ['APPLICATION/JSON', json],
      ['application/json; charset=utf-8', json],
      // axios, and many HTTP clients an RP back end uses.
      ['application/json, text/plain, */*', json],
      ['application/json;q=0.9, text/html;q=0.8', json],
      ['text/html, application/json', json],
      ['application/json, application/xrds+xml;q=0.5', json],
      ['application/json;q=0.5, text/html', html],
      ['application/json;q=0', html],
      // A browser's Accept, a bare */*, none at all: the page, as before.
      ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', html],
      ['*/*', html],
      [undefined, html],
      // Yadis RPs (python-openid's Accept, node-openid's) keep their XRDS.
      ['text/html; q=0.3, application/xhtml+xml; q=0.5, application/xrds+xml', xrds],
      ['application/xrds+xml', xrds],
      ['application/xrds+xml, application/json', xrds],
    ];
    for (const [accept, type] of cases) {
      const res = await t.app.inject({ method: 'GET', url: `/openid/${username}`, headers: accept === undefined ? HTTPS : { ...HTTPS, accept } });
      expect(res.statusCode, accept).toBe(200);
      expect(res.headers['content-type'], accept).toBe(type);
      expect(String(res.headers.vary).split(/,\s*/), accept).toContain('Accept');
    }
    // ?xrds (our X-XRDS-Location) is the XRDS whatever the Accept.
    const forced = await t.app.inject({ method: 'GET', url: `/openid/${username}?xrds`, headers: { ...HTTPS, accept: 'application/json' } });
    expect(forced.headers['content-type']).toBe(xrds);
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: `/openid/${username}`, headers: { ...HTTPS, accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers.vary).toBe('Accept');
    expect(res.body).toBe('');
    const miss = await t.app.inject({ method: 'HEAD', url: `/openid/${uniqueName('ghost')}`, headers: { ...HTTPS, accept: 'application/json' } });
    expect(miss.statusCode).toBe(404);
  });

  it('answers misses exactly like any unmatched route: unknown, disabled, malformed names and the user@domain form', async () => {
    const disabled = uniqueName('tybalt');
    const users = t.app.get(UsersService);
    await users.create({ domain: 'example.org', username: disabled, password: PASSWORD });
    await users.setDisabled('example.org', disabled, true);
    const headers = { ...HTTPS, accept: 'application/json' };
    const strip = (body: string, requestId: unknown): string => body.split(String(requestId)).join('<id>');
    const miss = await t.app.inject({ method: 'GET', url: '/no/such/route', headers });
    for (const path of [`/openid/${uniqueName('ghost')}`, `/openid/${disabled}`, '/openid/bad%20name', '/openid/%00', `/openid/${'x'.repeat(2000)}`]) {
      const res = await t.app.inject({ method: 'GET', url: path, headers });
      expect(res.statusCode, path).toBe(404);
      expect(res.headers['content-type'], path).toBe(miss.headers['content-type']);
      expect(res.headers['cache-control'], path).toBe('no-store');
      expect(strip(res.body, res.headers['x-request-id']), path).toBe(strip(miss.body, miss.headers['x-request-id']));
      // Never an issuer for a name that is no identifier.
      expect(res.body, path).not.toContain('"iss"');
    }
    const form = await t.app.inject({ method: 'GET', url: `/openid/${username}@example.org`, headers });
    expect(form.statusCode).toBe(404);
    expect(form.json()).toMatchObject({ code: 'identifier_form_not_served', status: 404 });
  });

  it('answers for every valid localpart of an XMPP domain, with that domain as issuer, before any sign-in', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${uniqueName('never-seen')}`, headers: { ...CHAT, accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ iss: 'https://chat.example' });
    const invalid = await t.app.inject({ method: 'GET', url: '/openid/bad%20name', headers: { ...CHAT, accept: 'application/json' } });
    expect(invalid.statusCode).toBe(404);
  });

  it('answers plain HTTP like every other route when HTTPS is required (no issuer over clear text)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username}`, headers: { host: 'example.org', accept: 'application/json' } });
    expect(res.statusCode).not.toBe(200);
    expect(res.body).not.toContain('"iss"');
  });
});

describe('the issuer JSON and discovery over a real socket', () => {
  let op: LiveProvider;
  let username: string;
  beforeAll(async () => {
    op = await startProvider();
    username = uniqueName('juliet');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
  });
  afterAll(() => op.close());

  /** Migration §6 rule 2, as an RP back end does it: GET the openid2_id with Accept: application/json. */
  async function issuerOf(identifier: string, headers: Record<string, string> = {}): Promise<unknown> {
    const res = await fetch(identifier, { headers: { accept: 'application/json', ...headers } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    return ((await res.json()) as { iss?: unknown }).iss;
  }

  it('gives the RP the issuer, {base}, over HTTPS', async () => {
    expect(await issuerOf(op.identifier(username))).toBe(op.base);
  });

  it("gives the issuer, not the owner's page, to a browser signed in as the owner", async () => {
    const browser = new Browser();
    const login = await browser.request('GET', `${op.base}/login`);
    const signedIn = await browser.submit(login, { username, password: PASSWORD });
    expect(signedIn.status).toBe(303);
    // Signed in: the HTML answer is the owner's management page...
    const page = await browser.request('GET', op.identifier(username));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form');
    // ...and the JSON answer is still only the issuer.
    const json = await browser.request('GET', op.identifier(username), undefined, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body)).toEqual({ iss: op.base });
  });

  type Provider = { endpoint: string; version: string; claimedIdentifier?: string; localIdentifier?: string };
  // openid.discover exists in the library but not in its type definitions.
  const lib = openid as unknown as { discover(id: string, strict: boolean, cb: (error: { message: string } | null, providers?: Provider[]) => void): void };
  function discover(identifier: string): Promise<Provider[]> {
    return new Promise((resolve, reject) => lib.discover(identifier, true, (error, providers) => (error ? reject(new Error(error.message)) : resolve(providers ?? []))));
  }

  it('still lets the npm openid RP library discover the same URL by XRDS (OpenID 2.0 §7.3)', async () => {
    const identifier = op.identifier(username);
    const providers = await discover(identifier);
    expect(providers).toEqual([
      expect.objectContaining({ endpoint: op.endpoint, version: 'http://specs.openid.net/auth/2.0', claimedIdentifier: identifier, localIdentifier: identifier }),
      expect.objectContaining({ endpoint: op.endpoint, version: 'http://openid.net/signon/1.1', localIdentifier: identifier }),
      expect.objectContaining({ endpoint: op.endpoint, version: 'http://openid.net/signon/1.0', localIdentifier: identifier }),
    ]);
    // And the same identifier, the value an ID token carries as openid2_id, names the same issuer.
    expect(await issuerOf(identifier)).toBe(op.base);
  });
});
