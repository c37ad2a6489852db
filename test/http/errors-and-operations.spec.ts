import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// Structured errors (STYLE.md §3, RFC 9457) and the operational endpoints.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };

describe('errors and operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
  });
  afterAll(() => t.close());

  it('answers an unknown Host with a unknown_domain problem', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openid/romeo', headers: { host: 'evil.example', 'x-forwarded-proto': 'https' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
    expect(body).toEqual({
      type: 'urn:openid-provider:problem:unknown_domain',
      title: 'Unknown domain',
      status: 404,
      detail: 'This provider does not serve evil.example.',
      code: 'unknown_domain',
      requestId: res.headers['x-request-id'],
    });
  });

  it('answers an unmatched route with a not_found problem, never a bare 404', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/anything/at/all', headers: HTTPS });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found', status: 404, title: 'Not found' });
  });

  it('gives browsers an HTML page, escaped, unframeable, with the request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/x', headers: { host: '<script>.example', 'x-forwarded-proto': 'https', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'/);
    expect(res.body).toContain('&lt;script&gt;.example');
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain(String(res.headers['x-request-id']));
  });

  // OpenID 2.0 §5.1.2.2: a direct POST that never became a message still gets a direct error.
  const KV = 'text/plain; charset=utf-8';
  const directError = (body: string) => Object.fromEntries(body.trimEnd().split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]));

  it('refuses a body that is not form-encoded at the OpenID endpoint (§4.1.2) with a key-value direct error', async () => {
    for (const [type, payload] of [['application/json', '{"openid.mode":"associate"}'], ['application/json', '{"openid.mode":'], ['application/xml', '<x/>']] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/openid', headers: { ...HTTPS, 'content-type': type }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe(KV);
      expect(res.headers['x-request-id']).toBeDefined();
      const fields = directError(res.body);
      expect(Object.keys(fields)).toEqual(['ns', 'error']);
      expect(fields.ns).toBe('http://specs.openid.net/auth/2.0');
      expect(fields.error!.length).toBeGreaterThan(0);
    }
  });

  it('refuses a body over 256 KiB at the OpenID endpoint with a key-value direct error, a browser with a page, elsewhere with a problem', async () => {
    const payload = `openid.mode=associate&x=${'a'.repeat(300 * 1024)}`;
    const form = { ...HTTPS, 'content-type': 'application/x-www-form-urlencoded' };
    const rp = await t.app.inject({ method: 'POST', url: '/openid?x=1', headers: form, payload });
    expect(rp.statusCode).toBe(400);
    expect(rp.headers['content-type']).toBe(KV);
    expect(directError(rp.body)).toMatchObject({ ns: 'http://specs.openid.net/auth/2.0', error: expect.stringMatching(/large/i) });
    const browser = await t.app.inject({ method: 'POST', url: '/openid', headers: { ...form, accept: 'text/html,*/*;q=0.8' }, payload });
    expect(browser.statusCode).toBe(413);
    expect(browser.headers['content-type']).toBe('text/html; charset=utf-8');
    const elsewhere = await t.app.inject({ method: 'POST', url: '/login', headers: form, payload });
    expect(elsewhere.statusCode).toBe(413);
    expect(elsewhere.json()).toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('answers curl-style Accept: */* with problem+json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/x', headers: { ...HTTPS, accept: '*/*' } });
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });

  it('prefers JSON when the client ranks it above HTML', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/x', headers: { ...HTTPS, accept: 'text/html;q=0.5, application/json' } });
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });

  it('gives every response its own request id, and keeps a trusted proxy\'s', async () => {
    const a = await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '192.0.2.1', headers: { 'x-request-id': 'client-chosen' } });
    const b = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    const c = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-1234' } });
    expect(c.headers['x-request-id']).toBe('lb-1234');
  });

  it('reports liveness and readiness', async () => {
    const live = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it('exposes Prometheus metrics by route template and status', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toMatch(/^http_requests_total\{method="GET",route="\/healthz",status_code="200"\} [1-9]/m);
    expect(res.body).toMatch(/^http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz",status_code="200"\}/m);
    expect(res.body).toMatch(/^http_requests_total\{method="DELETE",route="unmatched",status_code="404"\}/m);
    expect(res.body).toContain('process_cpu_seconds_total');
  });
});

describe('readiness without a database', () => {
  it('answers 503 not_ready when the database is gone', async () => {
    const t = await bootApp(testConfig());
    try {
      const { DataSource } = await import('typeorm');
      await t.app.get(DataSource).destroy();
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ code: 'not_ready', status: 503, detail: 'The database is unreachable.' });
    } finally {
      await t.close();
    }
  });
});
