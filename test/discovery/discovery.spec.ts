import { XMLParser } from 'fast-xml-parser';
import openid from 'openid';
import { UsersService } from '../../src/users/users.service.js';
import { startProvider, type LiveProvider } from '../helpers/live.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';

// Discovery (OpenID 2.0 §7.3; Yadis 1.0 §6.2): XRDS, HTML links, X-XRDS-Location, and misses
// that look like any other.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };
const BASE = 'https://example.org';

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

  it('serves the XRDS of an identifier to a Yadis request (§7.3.2)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username}`, headers: { ...HTTPS, accept: 'application/xrds+xml' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/xrds+xml; charset=utf-8');
    expect(res.headers.vary).toBe('Accept');
    expect(services(res.body)).toEqual([
      { '@_priority': '0', Type: 'http://specs.openid.net/auth/2.0/signon', URI: `${BASE}/openid`, LocalID: `${BASE}/openid/${username}` },
      { '@_priority': '10', Type: 'http://openid.net/signon/1.1', URI: `${BASE}/openid`, 'openid:Delegate': `${BASE}/openid/${username}` },
      { '@_priority': '20', Type: 'http://openid.net/signon/1.0', URI: `${BASE}/openid`, 'openid:Delegate': `${BASE}/openid/${username}` },
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
    expect(res.headers['content-type']).toBe('application/xrds+xml; charset=utf-8');
  });

  it('serves the OP identifier (§7.3.2.1.1) at the endpoint without a message', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openid', headers: { ...HTTPS, accept: 'application/xrds+xml' } });
    expect(res.statusCode).toBe(200);
    expect(services(res.body)).toEqual([{ '@_priority': '0', Type: 'http://specs.openid.net/auth/2.0/server', URI: `${BASE}/openid` }]);
    const page = await t.app.inject({ method: 'GET', url: '/openid', headers: { ...HTTPS, accept: 'text/html' } });
    expect(page.headers['x-xrds-location']).toBe(`${BASE}/openid?xrds`);
    expect(page.body).toContain(`<link rel="openid2.provider" href="${BASE}/openid">`);
  });

  it('answers unknown, malformed and disabled accounts exactly like any other miss', async () => {
    const disabled = uniqueName('rosaline');
    await t.app.get(UsersService).create({ domain: 'example.org', username: disabled, password: 'a good passphrase' });
    await t.app.get(UsersService).setDisabled('example.org', disabled, true);
    const strip = (body: string): unknown => ({ ...(JSON.parse(body) as Record<string, unknown>), requestId: undefined });
    const miss = await t.app.inject({ method: 'GET', url: '/no/such/route', headers: HTTPS });
    for (const path of [`/openid/${uniqueName('ghost')}`, '/openid/bad%20name', `/openid/${disabled}`]) {
      const res = await t.app.inject({ method: 'GET', url: path, headers: HTTPS });
      expect(res.statusCode, path).toBe(404);
      expect(strip(res.body), path).toEqual(strip(miss.body));
    }
  });

  it('explains that {base}/openid/user@domain is not an identifier', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/openid/${username}@example.org`, headers: HTTPS });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'identifier_form_not_served', detail: expect.stringContaining('{base}/openid/{user}') });
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
