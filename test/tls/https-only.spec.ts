import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// HTTPS-only mode (DESIGN.md, issue 2 §4): plain-HTTP requests to anything that can carry
// credentials or OpenID messages are refused with 403 tls_required, unless a configured trusted
// proxy vouches for TLS with X-Forwarded-Proto; X-Forwarded-* from anyone else is ignored.

const FORM = { 'content-type': 'application/x-www-form-urlencoded', host: 'example.org' };

describe('HTTPS-only behind a plain-HTTP listener', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['10.0.0.0/8', '2001:db8::1'] } }));
  });
  afterAll(() => t.close());

  it('refuses a POST to /openid from a client that is not a trusted proxy', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/openid', headers: FORM, payload: 'openid.mode=associate', remoteAddress: '192.0.2.7' });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ type: 'urn:openid-provider:problem:tls_required', status: 403, code: 'tls_required', title: 'HTTPS required' });
  });

  it('ignores a spoofed X-Forwarded-Proto from an untrusted address', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/openid',
      headers: { ...FORM, 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.0.0.1' },
      payload: 'openid.mode=associate',
      remoteAddress: '192.0.2.7',
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('tls_required');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('accepts TLS vouched for by a trusted proxy (IPv4 range and IPv6 address)', async () => {
    for (const remoteAddress of ['10.20.30.40', '2001:db8::1', '::ffff:10.0.0.9']) {
      const res = await t.app.inject({ method: 'GET', url: '/no-such-page', headers: { host: 'example.org', 'x-forwarded-proto': 'https' }, remoteAddress });
      // Past the TLS check: the router answers (nothing is there yet).
      expect(res.statusCode, remoteAddress).toBe(404);
      expect(res.json().code).toBe('not_found');
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    }
  });

  it('refuses a trusted proxy that says the client used plain HTTP', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/openid', headers: { ...FORM, 'x-forwarded-proto': 'http' }, payload: 'a=b', remoteAddress: '10.0.0.2' });
    expect(res.statusCode).toBe(403);
  });

  it('routes by the X-Forwarded-Host of a trusted proxy only', async () => {
    const viaProxy = await t.app.inject({ method: 'GET', url: '/healthz-not', headers: { host: 'internal:8080', 'x-forwarded-host': 'example.org', 'x-forwarded-proto': 'https' }, remoteAddress: '10.0.0.2' });
    expect(viaProxy.json().code).toBe('not_found');
    const spoofed = await t.app.inject({ method: 'GET', url: '/x', headers: { host: 'internal:8080', 'x-forwarded-host': 'example.org' }, remoteAddress: '192.0.2.7' });
    expect(spoofed.json().code).toBe('unknown_domain');
  });

  it('redirects a plain-HTTP page GET to the https:// origin of the configured domain', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openid/romeo?x=1', headers: { host: 'EXAMPLE.org' }, remoteAddress: '192.0.2.7' });
    expect(res.statusCode).toBe(308);
    expect(res.headers.location).toBe('https://example.org/openid/romeo?x=1');
  });

  it('never redirects the OpenID endpoint itself', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openid?openid.mode=checkid_setup', headers: { host: 'example.org', accept: 'text/html' }, remoteAddress: '192.0.2.7' });
    expect(res.statusCode).toBe(403);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('HTTPS required');
  });

  it('keeps health probes reachable over plain HTTP and on any Host', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { host: '10.1.1.1:8080' }, remoteAddress: '192.0.2.7' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('HTTPS-only switched off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ domains: [{ name: 'example.org', base_url: 'http://example.org' }], security: { https_only: false } }));
  });
  afterAll(() => t.close());

  it('lets plain HTTP through (and sends no HSTS)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/openid', headers: FORM, payload: 'a=b', remoteAddress: '192.0.2.7' });
    expect(res.statusCode).not.toBe(403);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('native TLS with a generated development certificate', () => {
  let t: TestApp;
  let port: number;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'op-tls-'));
    t = await bootApp(testConfig({ domains: [{ name: 'localhost', base_url: 'https://localhost:8443' }], server: { tls: 'auto' }, data_dir: dataDir }));
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => t.close());

  it('writes a certificate for the configured hosts under data_dir/tls', () => {
    const cert = new X509Certificate(readFileSync(join(dataDir, 'tls', 'cert.pem')));
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect((readFileSync(join(dataDir, 'tls', 'key.pem')).length)).toBeGreaterThan(100);
  });

  it('serves HTTPS that verifies against that certificate, with HSTS', async () => {
    const ca = readFileSync(join(dataDir, 'tls', 'cert.pem'));
    const res = await new Promise<{ status: number; hsts: string | undefined; body: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/openid/x', servername: 'localhost', headers: { host: `localhost:${port}` }, ca }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, hsts: r.headers['strict-transport-security'], body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.hsts).toBe('max-age=31536000');
    expect(res.status).toBe(404); // past the TLS rule; discovery is not served yet
    expect(JSON.parse(res.body).code).not.toBe('tls_required');
  });

  it('does not speak plain HTTP on the TLS port', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz' }, (r) => resolve(`status ${r.statusCode}`));
      req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      req.setTimeout(3000, () => req.destroy(new Error('timeout')));
      req.end();
    });
    expect(outcome).not.toBe('status 200');
  });
});
