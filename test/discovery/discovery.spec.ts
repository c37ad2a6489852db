import { XMLParser } from 'fast-xml-parser';
import openid from 'openid';
import { UsersRepository } from '../../src/users/users.repository.js';
import { UsersService } from '../../src/users/users.service.js';
import { startProvider, type LiveProvider } from '../helpers/live.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';

// Discovery (OpenID 2.0 §7.3; Yadis 1.0 §6.2): XRDS, HTML links, X-XRDS-Location, and misses
// that look like any other.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };
const BASE = 'https://example.org';
/** Extensions advertised in every service: SReg 1.1 and 1.0, AX 1.0, PAPE 1.0. */
const EXTENSIONS_BEFORE_UI = ['http://openid.net/extensions/sreg/1.1', 'http://openid.net/sreg/1.0', 'http://openid.net/srv/ax/1.0', 'http://specs.openid.net/extensions/pape/1.0'];
/** OpenID UI Extension 1.0 §7: popup mode, language preference, and (RP icons on) the icon Type. */
const UI_TYPES = ['http://specs.openid.net/extensions/ui/1.0/mode/popup', 'http://specs.openid.net/extensions/ui/1.0/lang-pref'];
const UI_ICON = 'http://specs.openid.net/extensions/ui/1.0/icon';
const EXTENSIONS = [...EXTENSIONS_BEFORE_UI, ...UI_TYPES, UI_ICON];

type XrdService = { Type: string | string[]; URI: string; LocalID?: string; 'openid:Delegate'?: string; '@_priority'?: string };

function services(xml: string): XrdService[] {
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'Service' }).parse(xml) as { 'xrds:XRDS': { XRD: { Service: XrdService[] } } };
  return doc['xrds:XRDS'].XRD.Service;
}

describe('discovery', () => {
  let t: TestApp;
  let username: string;

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
    username = uniqueName('romeo');
    await t.app.get(UsersService).create({ domain: 'example.org', username, password: 'a good passphrase' });
  });
  afterAll(() => t.close());

  // Issue 8, 5a. Yadis 1.0 §6.2.4-6.2.5: RP libraries that compare the header byte for byte
  // (python-openid's and several PHP ones) treat "application/xrds+xml; charset=utf-8" as HTML and
  // fall back to HTML discovery, losing the XRDS services.
  it('answers every XRDS with a Content-Type of exactly application/xrds+xml, no parameters', async () => {
    const requests = [
      { method: 'GET' as const, url: `/openid/${username}`, accept: 'application/xrds+xml' },
      { method: 'GET' as const, url: `/openid/${username}?xrds`, accept: 'text/html' },
      { method: 'HEAD' as const, url: `/openid/${username}`, accept: 'application/xrds+xml' },
      { method: 'GET' as const, url: '/openid', accept: 'application/xrds+xml' },
      { method: 'GET' as const, url: '/openid?xrds', accept: '*/*' },
    ];
    for (const r of requests) {
      const res = await t.app.inject({ method: r.method, url: r.url, headers: { ...HTTPS, accept: r.accept } });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(200);
      expect(res.headers['content-type'], `${r.method} ${r.url}`).toBe('application/xrds+xml');
    }
  });

  it('serves the XRDS of an identifier to a Yadis request (§7.3.2)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username}`, headers: { ...HTTPS, accept: 'application/xrds+xml' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/xrds+xml');
    expect(res.headers.vary).toBe('Accept');
    expect(services(res.body)).toEqual([
      { '@_priority': '0', Type: [...EXTENSIONS, 'http://specs.openid.net/auth/2.0/signon'], URI: `${BASE}/openid`, LocalID: `${BASE}/openid/${username}` },
      { '@_priority': '10', Type: [...EXTENSIONS, 'http://openid.net/signon/1.1'], URI: `${BASE}/openid`, 'openid:Delegate': `${BASE}/openid/${username}` },
      { '@_priority': '20', Type: [...EXTENSIONS, 'http://openid.net/signon/1.0'], URI: `${BASE}/openid`, 'openid:Delegate': `${BASE}/openid/${username}` },
    ]);
  });

  it('serves the HTML page with the discovery links and X-XRDS-Location otherwise', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username.toUpperCase()}`, headers: { ...HTTPS, accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-xrds-location']).toBe(`${BASE}/openid/${username}?xrds`);
    expect(res.headers['x-frame-options']).toBe('DENY');
    for (const link of [
      `<link rel="openid2.provider" href="${BASE}/openid">`,
      `<link rel="openid2.local_id" href="${BASE}/openid/${username}">`,
      `<link rel="openid.server" href="${BASE}/openid">`,
      `<link rel="openid.delegate" href="${BASE}/openid/${username}">`,
      `<meta http-equiv="X-XRDS-Location" content="${BASE}/openid/${username}?xrds">`,
    ]) {
      expect(res.body).toContain(link);
    }
    const head = await t.app.inject({ method: 'HEAD', url: `/openid/${username}`, headers: HTTPS });
    expect(head.statusCode).toBe(200);
    expect(head.headers['x-xrds-location']).toBe(`${BASE}/openid/${username}?xrds`);
  });

  it('serves the XRDS at the X-XRDS-Location whatever the Accept', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username}?xrds`, headers: { ...HTTPS, accept: 'text/html' } });
    expect(res.headers['content-type']).toBe('application/xrds+xml');
  });

  it('serves the OP identifier (§7.3.2.1.1) at the endpoint without a message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openid', headers: { ...HTTPS, accept: 'application/xrds+xml' } });
    expect(res.statusCode).toBe(200);
    expect(services(res.body)).toEqual([{ '@_priority': '0', Type: [...EXTENSIONS, 'http://specs.openid.net/auth/2.0/server'], URI: `${BASE}/openid` }]);
    const page = await t.app.inject({ method: 'GET', url: '/openid', headers: { ...HTTPS, accept: 'text/html' } });
    expect(page.headers['x-xrds-location']).toBe(`${BASE}/openid?xrds`);
    expect(page.body).toContain(`<link rel="openid2.provider" href="${BASE}/openid">`);
  });

  it('negotiates on Accept (Yadis 1.0 §6.2.4) and says so in Vary', async () => {
    const cases: [string | undefined, string][] = [
      // python-openid's Yadis Accept: the XRDS is the best match.
      ['text/html; q=0.3, application/xhtml+xml; q=0.5, application/xrds+xml', 'application/xrds+xml'],
      ['application/xrds+xml, text/html', 'application/xrds+xml'],
      ['application/xrds+xml;q=0.5, text/html', 'text/html; charset=utf-8'],
      ['*/*', 'text/html; charset=utf-8'],
      [undefined, 'text/html; charset=utf-8'],
    ];
    for (const [accept, type] of cases) {
      const res = await t.app.inject({ method: 'GET', url: `/openid/${username}`, headers: accept === undefined ? HTTPS : { ...HTTPS, accept } });
      expect(res.headers['content-type'], accept).toBe(type);
      expect(String(res.headers.vary).split(/,\s*/), accept).toContain('Accept');
      expect(res.headers['cache-control'], accept).toBe('public, max-age=300');
    }
  });

  it('sends the page with its CSP, no framing, public caching keyed on Accept and Cookie', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username}`, headers: { ...HTTPS, accept: 'text/html' } });
    expect(res.headers['vary']).toBe('Accept, Accept-Language, Cookie');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const csp = String(res.headers['content-security-policy']);
    for (const directive of ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).not.toMatch(/<script|<style|\sstyle=/);
    expect(res.body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(res.body).toContain(`<title>${username}@example.org — OpenID`);
    expect(res.body).toContain(`<code>${BASE}/openid/${username}</code>`);
  });

  it('answers HEAD like GET, without a body', async () => {
    const xrds = await t.app.inject({ method: 'HEAD', url: `/openid/${username}`, headers: { ...HTTPS, accept: 'application/xrds+xml' } });
    expect(xrds.statusCode).toBe(200);
    expect(xrds.headers['content-type']).toBe('application/xrds+xml');
    expect(xrds.headers.vary).toBe('Accept');
    expect(xrds.body).toBe('');
    const forced = await t.app.inject({ method: 'HEAD', url: `/openid/${username}?xrds`, headers: HTTPS });
    expect(forced.headers['content-type']).toBe('application/xrds+xml');
    const miss = await t.app.inject({ method: 'HEAD', url: `/openid/${uniqueName('ghost')}`, headers: HTTPS });
    expect(miss.statusCode).toBe(404);
  });

  it('maps any case of the username, non-ASCII included, to the canonical percent-encoded identifier', async () => {
    const name = uniqueName('ñandú');
    await t.app.get(UsersService).create({ domain: 'example.org', username: name, password: 'a good passphrase' });
    const canonical = `${BASE}/openid/${encodeURIComponent(name)}`;
    expect(canonical).toMatch(/^[\x21-\x7e]+$/);
    const xrds = await t.app.inject({ method: 'GET', url: `/openid/${encodeURIComponent(name.toUpperCase())}`, headers: { ...HTTPS, accept: 'application/xrds+xml' } });
    expect(xrds.statusCode).toBe(200);
    expect(services(xrds.body).map((s) => s.LocalID ?? s['openid:Delegate'])).toEqual([canonical, canonical, canonical]);
    const page = await t.app.inject({ method: 'GET', url: `/openid/${encodeURIComponent(name.toUpperCase())}`, headers: { ...HTTPS, accept: 'text/html' } });
    expect(page.headers['x-xrds-location']).toBe(`${canonical}?xrds`);
    expect(page.body).toContain(`<link rel="openid2.local_id" href="${canonical}">`);
    expect(page.body).toContain(`<h1>${name}@example.org</h1>`);
  });

  it('misses look alike whatever the Accept, and cost one account lookup each', async () => {
    const disabled = uniqueName('tybalt');
    const users = t.app.get(UsersService);
    await users.create({ domain: 'example.org', username: disabled, password: 'a good passphrase' });
    await users.setDisabled('example.org', disabled, true);
    const strip = (body: string, requestId: unknown): string => body.split(String(requestId)).join('<id>');
    for (const accept of ['text/html', 'application/xrds+xml', 'application/json']) {
      const miss = await t.app.inject({ method: 'GET', url: '/no/such/route', headers: { ...HTTPS, accept } });
      for (const path of [`/openid/${uniqueName('ghost')}`, '/openid/bad%20name', '/openid/%3Cb%3E', `/openid/${disabled}`]) {
        const res = await t.app.inject({ method: 'GET', url: path, headers: { ...HTTPS, accept } });
        expect(res.statusCode, path).toBe(404);
        expect(res.headers['content-type'], path).toBe(miss.headers['content-type']);
        expect(res.headers['cache-control'], path).toBe('no-store');
        expect(res.headers.vary, path).toBeUndefined();
        expect(strip(res.body, res.headers['x-request-id']), `${path} ${accept}`).toBe(strip(miss.body, miss.headers['x-request-id']));
      }
    }
    // Names not asked for yet (each answer, found or not, is remembered for a second).
    const other = uniqueName('mercutio');
    await users.create({ domain: 'example.org', username: other, password: 'a good passphrase' });
    const gone = uniqueName('paris');
    await users.create({ domain: 'example.org', username: gone, password: 'a good passphrase' });
    await users.setDisabled('example.org', gone, true);
    const find = vi.spyOn(UsersRepository.prototype, 'findOne');
    try {
      for (const path of [`/openid/${uniqueName('ghost')}`, '/openid/worse%20name', `/openid/${gone}`, `/openid/${other}`]) {
        find.mockClear();
        await t.app.inject({ method: 'GET', url: path, headers: HTTPS });
        expect(find, path).toHaveBeenCalledTimes(1);
        // Asked again at once (an RP's HTML then XRDS fetch): answered from memory, found or not.
        find.mockClear();
        await t.app.inject({ method: 'GET', url: path, headers: { ...HTTPS, accept: 'application/xrds+xml' } });
        expect(find, path).not.toHaveBeenCalled();
      }
      // A malformed name is looked up as the empty name, which no account has.
      find.mockClear();
      await t.app.inject({ method: 'GET', url: '/openid/bad%20name%20too', headers: HTTPS });
      expect(find).toHaveBeenCalledWith('example.org', '');
    } finally {
      find.mockRestore();
    }
  });

  it('explains that {base}/openid/user@domain is not an identifier', async () => {
    for (const path of [`/openid/${username}@example.org`, `/openid/${username}%40example.org`, '/openid/nobody@example.org']) {
      const res = await t.app.inject({ method: 'GET', url: path, headers: HTTPS });
      expect(res.statusCode, path).toBe(404);
      expect(res.headers['content-type'], path).toMatch(/^application\/problem\+json(;|$)/);
      expect(res.json(), path).toMatchObject({
        type: 'urn:openid-provider:problem:identifier_form_not_served',
        status: 404,
        code: 'identifier_form_not_served',
        detail: expect.stringContaining('{base}/openid/{user}'),
      });
    }
    const page = await t.app.inject({ method: 'GET', url: `/openid/${username}@example.org`, headers: { ...HTTPS, accept: 'text/html' } });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<code>identifier_form_not_served</code>');
  });

  it('serves the OP identifier XRDS whatever the Accept at its X-XRDS-Location, cacheable and varying by Accept', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openid?xrds', headers: { ...HTTPS, accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/xrds+xml');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers.vary).toBe('Accept');
    expect(services(res.body)).toEqual([{ '@_priority': '0', Type: [...EXTENSIONS, 'http://specs.openid.net/auth/2.0/server'], URI: `${BASE}/openid` }]);
    const head = await t.app.inject({ method: 'HEAD', url: '/openid', headers: { ...HTTPS, accept: 'application/xrds+xml' } });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('application/xrds+xml');
  });
});

describe('discovery of the UI extension (OpenID UI Extension 1.0 §7)', () => {
  it('advertises popup mode and the language preference, but no icon Type where RP icons are not fetched', async () => {
    for (const realm of [{ icons: { enabled: false } }, { return_to_verification: 'off' as const }]) {
      const t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, realm }));
      try {
        const res = await t.app.inject({ method: 'GET', url: '/openid', headers: { ...HTTPS, accept: 'application/xrds+xml' } });
        expect(services(res.body)).toEqual([{ '@_priority': '0', Type: [...EXTENSIONS_BEFORE_UI, ...UI_TYPES, 'http://specs.openid.net/auth/2.0/server'], URI: `${BASE}/openid` }]);
      } finally {
        await t.close();
      }
    }
  });
});

describe('discovery by a real relying party library', () => {
  let op: LiveProvider;
  let username: string;
  beforeAll(async () => {
    op = await startProvider();
    username = uniqueName('juliet');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: 'a good passphrase' });
  });
  afterAll(() => op.close());

  type Provider = { endpoint: string; version: string; claimedIdentifier?: string; localIdentifier?: string };
  // openid.discover exists in the library but not in its type definitions.
  const lib = openid as unknown as { discover(id: string, strict: boolean, cb: (error: { message: string } | null, providers?: Provider[]) => void): void };

  function discover(identifier: string): Promise<Provider[]> {
    return new Promise((resolve, reject) => lib.discover(identifier, true, (error, providers) => (error ? reject(new Error(error.message)) : resolve(providers ?? []))));
  }

  it('finds the 2.0 and 1.1 services of an identifier over HTTPS', async () => {
    const providers = await discover(op.identifier(username));
    expect(providers).toEqual([
      expect.objectContaining({ endpoint: op.endpoint, version: 'http://specs.openid.net/auth/2.0', claimedIdentifier: op.identifier(username), localIdentifier: op.identifier(username) }),
      expect.objectContaining({ endpoint: op.endpoint, version: 'http://openid.net/signon/1.1', localIdentifier: op.identifier(username) }),
      expect.objectContaining({ endpoint: op.endpoint, version: 'http://openid.net/signon/1.0', localIdentifier: op.identifier(username) }),
    ]);
  });

  it('finds the OP identifier service', async () => {
    const providers = await discover(op.endpoint);
    expect(providers).toEqual([expect.objectContaining({ endpoint: op.endpoint, version: 'http://specs.openid.net/auth/2.0' })]);
  });
});
