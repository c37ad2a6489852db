import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRealm, parseReturnTo } from '../../src/protocol/realm.js';
import { FetchRefused, SafeFetch } from '../../src/realm/safe-fetch.js';
import { ReturnToVerifier } from '../../src/realm/return-to-verifier.js';
import { testConfig, type TestApp } from '../helpers/test-app.js';
import { FakeResolver, realmSettings } from '../realm/helpers.js';
import { HostResolver } from '../../src/realm/host-resolver.js';
import { bootWithNetwork, RecordingDialer } from './helpers.js';

// SSRF through relying-party discovery (OpenID 2.0 §9.2.1, §13: the provider fetches the realm
// the request names). OWASP ASVS 5.2.6 / 12.6.1 (SSRF), CWE-918; the cloud-metadata address is
// the classic target (169.254.169.254, e.g. the 2019 Capital One breach). Every target is refused
// WITHOUT a connection: the injected Dialer (src/realm/dialer.ts) records each socket the
// provider asks for, and for these it must never be asked. A control case proves the recording
// dialer is on the path: a public address is dialled.

const PUBLIC = '93.184.216.34';

const TARGETS: ReadonlyArray<[string, string]> = [
  ['127.0.0.0/8 (loopback)', 'https://127.0.0.1/'],
  ['127.0.0.0/8, not .1', 'https://127.200.3.4/'],
  ['127.0.0.1 written as an integer (WHATWG URL host parsing)', 'https://2130706433/'],
  ['127.0.0.1 written in hex and short form', 'https://0x7f.1/'],
  ['::1 (RFC 4291 §2.5.3 loopback)', 'https://[::1]/'],
  ['10/8 (RFC 1918)', 'https://10.1.2.3/'],
  ['172.16/12 (RFC 1918), low end', 'https://172.16.0.1/'],
  ['172.16/12 (RFC 1918), high end', 'https://172.31.255.254/'],
  ['192.168/16 (RFC 1918)', 'https://192.168.0.1/'],
  ['169.254.169.254 (link-local, cloud metadata, RFC 3927)', 'https://169.254.169.254/'],
  ['100.64/10 (RFC 6598 shared address space)', 'https://100.64.0.1/'],
  ['fc00::/7 (RFC 4193 unique local), fc', 'https://[fc00::1]/'],
  ['fc00::/7 (RFC 4193 unique local), fd', 'https://[fd12:3456::1]/'],
  ['fe80::/10 (RFC 4291 §2.5.6 link-local)', 'https://[fe80::1]/'],
  ['IPv4-mapped IPv6 ::ffff:127.0.0.1 (RFC 4291 §2.5.5.2)', 'https://[::ffff:127.0.0.1]/'],
  ['IPv4-mapped IPv6 in hex, ::ffff:7f00:1', 'https://[::ffff:7f00:1]/'],
  ['IPv4-mapped IPv6 of the metadata address, ::ffff:a9fe:a9fe', 'https://[::ffff:a9fe:a9fe]/'],
  ['0.0.0.0 (RFC 1122 "this host", reaches local services on Linux)', 'https://0.0.0.0/'],
  ['a non-standard port on loopback (Redis)', 'https://127.0.0.1:6379/'],
  ['a non-standard port on an RFC 1918 address (PostgreSQL)', 'https://10.0.0.5:5432/'],
  ['a DNS name resolving to loopback', 'https://loopback.example.test/'],
  ['a DNS name resolving to the metadata address, on port 80 of http', 'http://metadata.example.test/'],
  ['a DNS name with one public and one private address (all must be public)', 'https://mixed.example.test/'],
  ['a DNS name resolving to IPv4-mapped loopback over IPv6', 'https://mapped.example.test:8080/'],
];

const RESOLVER_TABLE = {
  'loopback.example.test': ['127.0.0.1'],
  'metadata.example.test': ['169.254.169.254'],
  'mixed.example.test': [PUBLIC, '10.0.0.7'],
  'mapped.example.test': ['::ffff:127.0.0.1'],
};

function checkidQuery(realm: string, returnTo = `${realm}return`): string {
  return new URLSearchParams({
    'openid.ns': 'http://specs.openid.net/auth/2.0',
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': 'http://specs.openid.net/auth/2.0/identifier_select',
    'openid.identity': 'http://specs.openid.net/auth/2.0/identifier_select',
    'openid.realm': realm,
    'openid.return_to': returnTo,
  }).toString();
}

describe('SSRF on relying-party discovery: refused without a connection (OpenID 2.0 §9.2.1, ASVS 12.6.1, CWE-918)', () => {
  let t: TestApp;
  let dialer: RecordingDialer;
  let resolver: FakeResolver;

  beforeAll(async () => {
    dialer = new RecordingDialer();
    resolver = new FakeResolver({ ...RESOLVER_TABLE, 'public.example.test': [PUBLIC] });
    // require: discovery runs at the endpoint for every request, so each attack is one GET.
    t = await bootWithNetwork(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, realm: { return_to_verification: 'require', discovery: { https_only: false } } }), { resolver, dialer });
  });
  afterAll(() => t?.close());
  beforeEach(() => {
    dialer.dials.length = 0;
    t.app.get(ReturnToVerifier, { strict: false }).clearCache();
  });

  it.each(TARGETS)('refuses %s (%s) at the endpoint with an error page, no redirect, no dial', async (_name, realm) => {
    const res = await t.app.inject({ method: 'GET', url: `/openid?${checkidQuery(realm)}`, headers: { host: 'example.org', accept: 'text/html', 'x-forwarded-proto': 'https' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('The site did not confirm this return address');
    expect(dialer.dials).toEqual([]);
  });

  it.each(TARGETS)('SafeFetch refuses %s (%s) as private_address before dialling', async (_name, url) => {
    const fetch = t.app.get(SafeFetch, { strict: false });
    const error = await fetch.get(url).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(FetchRefused);
    expect((error as FetchRefused).reason).toBe('private_address');
    // The public message never names the address (it would map the provider's network).
    expect((error as FetchRefused).message).not.toMatch(/\d+\.\d+\.\d+\.\d+|::/);
    expect(dialer.dials).toEqual([]);
  });

  it.each(['localhost', 'LOCALHOST.', 'evil.localhost'])('refuses %s (RFC 6761 §6.3) with the production resolver, no dial', async (host) => {
    const fetch = new SafeFetch(realmSettings({ discovery: { https_only: false } }), new HostResolver(), dialer);
    const error = await fetch.get(`http://${host}:8080/`).then(() => null, (e: unknown) => e);
    expect((error as FetchRefused).reason).toBe('private_address');
    expect(dialer.dials).toEqual([]);
  });

  it('control: a public address IS dialled (the recording dialer is the one safe-fetch uses)', async () => {
    const verdict = await t.app.get(ReturnToVerifier, { strict: false }).verify(parseRealm('http://public.example.test/'), parseReturnTo('http://public.example.test/return'));
    expect(verdict).toEqual({ status: 'failed', reason: 'network_error' });
    expect(dialer.addresses()).toEqual([PUBLIC]);
    expect(dialer.dials[0]).toMatchObject({ host: 'public.example.test', port: 80, tls: false });
  });
});

describe('SSRF through the answers of a public relying party (redirects, slow and huge answers)', () => {
  let t: TestApp;
  let dialer: RecordingDialer;
  let site: Server;
  let port: number;
  const routes = new Map<string, (res: import('node:http').ServerResponse) => void>();

  beforeAll(async () => {
    site = createServer((req, res) => {
      const handler = routes.get(req.url ?? '/');
      if (handler) handler(res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    port = (site.address() as AddressInfo).port;
    // The fake internet: PUBLIC:port is this local server; nothing else is reachable.
    dialer = new RecordingDialer(new Map([[`${PUBLIC}:${port}`, port]]));
    const resolver = new FakeResolver({ ...RESOLVER_TABLE, 'rp.example.test': [PUBLIC] });
    t = await bootWithNetwork(
      testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, realm: { return_to_verification: 'require', discovery: { https_only: false, timeout: 1, connect_timeout: 1, max_bytes: 4096 } } }),
      { resolver, dialer },
    );
  });
  afterAll(async () => {
    await t?.close();
    site?.closeAllConnections();
    await new Promise((resolve) => site?.close(resolve));
  });
  beforeEach(() => {
    dialer.dials.length = 0;
    t.app.get(ReturnToVerifier, { strict: false }).clearCache();
  });

  const fetchOf = (): SafeFetch => t.app.get(SafeFetch, { strict: false });
  const reasonOf = (url: string): Promise<string> => fetchOf().get(url).then(() => 'fetched', (e: unknown) => (e instanceof FetchRefused ? e.reason : String(e)));

  it('control: the public RP answers through the dialer', async () => {
    routes.set('/ok', (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
    const answer = await fetchOf().get(`http://rp.example.test:${port}/ok`);
    expect(answer.body.toString()).toBe('hello');
    expect(dialer.addresses()).toEqual([PUBLIC]);
  });

  it.each([
    ['a literal loopback address', () => `http://127.0.0.1:${port}/ok`],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['a name resolving to loopback', () => `http://loopback.example.test:${port}/ok`],
    ['IPv4-mapped loopback in hex', () => `http://[::ffff:7f00:1]:${port}/ok`],
  ])('refuses a redirect from a public RP to %s, dialling only the public RP', async (_name, target) => {
    routes.set('/hop', (res) => res.writeHead(302, { location: target() }).end());
    expect(await reasonOf(`http://rp.example.test:${port}/hop`)).toBe('private_address');
    expect(dialer.addresses()).toEqual([PUBLIC]);
  });

  it('refuses a redirect to loopback at the endpoint too: error page, no redirect', async () => {
    routes.set('/', (res) => res.writeHead(302, { location: `http://127.0.0.1:${port}/` }).end());
    const realm = `http://rp.example.test:${port}/`;
    const res = await t.app.inject({ method: 'GET', url: `/openid?${checkidQuery(realm)}`, headers: { host: 'example.org', accept: 'text/html', 'x-forwarded-proto': 'https' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(dialer.addresses()).toEqual([PUBLIC]);
    routes.delete('/');
  });

  it('gives up on a slow answer at the overall deadline (realm.discovery.timeout)', async () => {
    routes.set('/slow', (res) => {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' });
      res.write('<?xml version="1.0"?>');
      // ...and never ends.
    });
    const started = Date.now();
    expect(await reasonOf(`http://rp.example.test:${port}/slow`)).toBe('timeout');
    // 1 s deadline; generous bound for a loaded machine, far below "for ever".
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('refuses a huge answer at the byte cap (realm.discovery.max_bytes), declared or streamed', async () => {
    routes.set('/declared', (res) => res.writeHead(200, { 'content-type': 'application/xrds+xml', 'content-length': String(10_000_000) }).end());
    routes.set('/streamed', (res) => {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' });
      const chunk = 'x'.repeat(1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 10_000 && res.write(chunk)) sent++;
        if (sent < 10_000) res.once('drain', pump);
        else res.end();
      };
      pump();
    });
    expect(await reasonOf(`http://rp.example.test:${port}/declared`)).toBe('too_large');
    expect(await reasonOf(`http://rp.example.test:${port}/streamed`)).toBe('too_large');
    const verdict = await t.app.get(ReturnToVerifier, { strict: false }).verify(parseRealm(`http://rp.example.test:${port}/streamed`), parseReturnTo(`http://rp.example.test:${port}/streamed`));
    expect(verdict).toEqual({ status: 'failed', reason: 'too_large' });
  });

  it('refuses userinfo in a redirect target (credentials sent to a host of the attacker\'s choosing)', async () => {
    routes.set('/creds', (res) => res.writeHead(302, { location: `http://admin:secret@rp.example.test:${port}/ok` }).end());
    expect(await reasonOf(`http://rp.example.test:${port}/creds`)).toBe('credentials_in_url');
    expect(dialer.dials).toHaveLength(1);
  });

  it('refuses a non-http scheme in a redirect (file:, gopher:)', async () => {
    routes.set('/file', (res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    routes.set('/gopher', (res) => res.writeHead(302, { location: 'gopher://127.0.0.1:6379/_INFO' }).end());
    expect(await reasonOf(`http://rp.example.test:${port}/file`)).toBe('scheme_not_allowed');
    expect(await reasonOf(`http://rp.example.test:${port}/gopher`)).toBe('scheme_not_allowed');
    expect(dialer.addresses()).toEqual([PUBLIC, PUBLIC]);
  });
});
