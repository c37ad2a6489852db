import { connect } from 'node:tls';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, startProvider, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { testAddress } from '../security/browser.js';

// Every form, query and path parameter goes through a DTO and the global ValidationPipe: limits
// that match the columns, repeated and unknown fields refused, and the answer always ours (the
// login page again for people, the error page or problem+json otherwise), never a bare 400 or 500.

// A client address of this suite's own (through the trusted proxy 127.0.0.1): on the shared
// PostgreSQL database the per-address login throttle counts every suite's failed logins from 127.0.0.1.
const FROM = { 'x-forwarded-for': testAddress() };
const PASSWORD = 'a good passphrase';
const JSON_ACCEPT = { accept: 'application/json' };

describe('request input through DTOs', () => {
  let op: LiveProvider;
  let username: string;

  beforeAll(async () => {
    op = await startProvider({ server: { trusted_proxies: ['127.0.0.1'] } });
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
  });
  afterAll(() => op.close());

  async function csrfOf(browser: Browser): Promise<string> {
    const page = await browser.request('GET', `${op.base}/login`);
    return /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  }

  async function signedIn(): Promise<{ browser: Browser; csrf: string }> {
    const browser = new Browser(FROM);
    const login = await browser.request('POST', `${op.base}/login`, { csrf: await csrfOf(browser), username, password: PASSWORD });
    expect(login.status).toBe(303);
    // The CSRF token is renewed at sign-in (no fixation): the identity page's forms carry the new one.
    const page = await browser.request('GET', new URL(String(login.headers['location']), op.base).href);
    return { browser, csrf: /name="csrf" value="([^"]+)"/.exec(page.body)![1]! };
  }

  function problem(res: BrowserResponse): Record<string, unknown> {
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    return JSON.parse(res.body) as Record<string, unknown>;
  }

  describe('the login form (people): the page again with a message', () => {
    it('answers a too-long username with the login page, HTTP 400, and no credential check', async () => {
      const browser = new Browser(FROM);
      const csrf = await csrfOf(browser);
      const res = await browser.request('POST', `${op.base}/login`, { csrf, username: 'r'.repeat(1024), password: PASSWORD });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('name="password"');
      expect(res.body).toContain('That username is too long: no account has one that long.');
      expect(res.body).not.toContain('r'.repeat(1024));
      // At the column's length it is an ordinary failed login.
      const atLimit = await browser.request('POST', `${op.base}/login`, { csrf, username: 'r'.repeat(1023), password: PASSWORD });
      expect(atLimit.status).toBe(401);
      expect(atLimit.body).toContain('Wrong username or password.');
    });

    it('answers a too-long password the same way, whatever the Accept header', async () => {
      const browser = new Browser(FROM);
      const csrf = await csrfOf(browser);
      const res = await browser.request('POST', `${op.base}/login`, { csrf, username, password: 'p'.repeat(1025) }, JSON_ACCEPT);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('That password is too long: passwords have at most 1024 characters.');
    });

    it('answers a repeated username or an unknown field with the page, not a crash', async () => {
      const browser = new Browser(FROM);
      const csrf = await csrfOf(browser);
      const twice = new URLSearchParams({ csrf, password: PASSWORD });
      twice.append('username', username);
      twice.append('username', 'juliet');
      const res = await browser.request('POST', `${op.base}/login`, twice);
      expect(res.status).toBe(400);
      expect(res.body).toContain('The form could not be read. Try again.');
      expect(res.headers['set-cookie']?.toString() ?? '').not.toContain('op-session');
      const extra = await browser.request('POST', `${op.base}/login`, { csrf, username, password: PASSWORD, admin: '1' });
      expect(extra.status).toBe(400);
      expect(extra.body).toContain('name="username"');
    });

    it('checks the CSRF token before the form', async () => {
      const res = await new Browser(FROM).request('POST', `${op.base}/login`, { csrf: 'x'.repeat(43), username: 'r'.repeat(2000), password: PASSWORD });
      expect(res.status).toBe(403);
      expect(res.body).toContain('Form expired');
    });
  });

  describe('the consent form: the structured error', () => {
    it('lists the offending fields in problem+json without echoing the values', async () => {
      const browser = new Browser(FROM);
      const csrf = await csrfOf(browser);
      const res = await browser.request('POST', `${op.base}/consent`, { csrf, request: 'a'.repeat(32), decision: 'allow_everything<script>' }, JSON_ACCEPT);
      expect(res.status).toBe(400);
      const body = problem(res);
      expect(body).toMatchObject({ type: 'urn:openid-provider:problem:validation_failed', code: 'validation_failed', status: 400, title: 'Invalid input' });
      expect(body['errors']).toEqual([{ pointer: '#/decision', detail: 'must be one of the following values: allow_once, allow_always, deny' }]);
      expect(res.body).not.toContain('allow_everything');
    });

    it('says which field was repeated or missing, on the error page for browsers', async () => {
      const browser = new Browser(FROM);
      const csrf = await csrfOf(browser);
      const form = new URLSearchParams({ csrf });
      form.append('decision', 'allow_once');
      form.append('decision', 'deny');
      const res = await browser.request('POST', `${op.base}/consent`, form);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('The request could not be read: request is missing; decision was sent more than once.');
      expect(res.body).toContain('<code>validation_failed</code>');
    });

    it('refuses release values that are not profile fields', async () => {
      const browser = new Browser(FROM);
      const csrf = await csrfOf(browser);
      const res = await browser.request('POST', `${op.base}/consent`, { csrf, request: 'a'.repeat(32), decision: 'allow_once', release: 'password' }, JSON_ACCEPT);
      expect(res.status).toBe(400);
      expect(problem(res)['errors']).toEqual([{ pointer: '#/release', detail: expect.stringContaining('each value in release must be one of the following values') }]);
    });
  });

  describe('the profile form: lengths of the columns', () => {
    it('refuses a value longer than its column, naming the field', async () => {
      const { browser, csrf } = await signedIn();
      const res = await browser.request('POST', `${op.base}/account/profile`, { csrf, nickname: 'n'.repeat(256) }, JSON_ACCEPT);
      expect(res.status).toBe(400);
      expect(problem(res)['errors']).toEqual([{ pointer: '#/nickname', detail: 'must be shorter than or equal to 255 characters' }]);
      // Whitespace around a value is not part of it, so it does not count against the length.
      const padded = await browser.request('POST', `${op.base}/account/profile`, { csrf, country: '  it ' });
      expect(padded.status).toBe(303);
      expect((await op.app.get(UsersService).find('localhost', username))?.country).toBe('IT');
      const share = await browser.request('POST', `${op.base}/account/profile`, { csrf, share: 'password_hash' }, JSON_ACCEPT);
      expect(share.status).toBe(400);
      expect(problem(share)['errors']).toEqual([{ pointer: '#/share', detail: expect.stringContaining('must be one of the following values') }]);
    });
  });

  describe('queries and path parameters', () => {
    it('refuses a repeated query parameter of a page, and ignores unknown ones (decorated links)', async () => {
      const twice = await new Browser(FROM).request('GET', `${op.base}/consent?request=a&request=b`, undefined, JSON_ACCEPT);
      expect(twice.status).toBe(400);
      expect(problem(twice)['errors']).toEqual([{ pointer: '#/request', detail: 'was sent more than once' }]);
      const unknown = await new Browser(FROM).request('GET', `${op.base}/login?next=https://evil.example&utm_source=mail`);
      expect(unknown.status).toBe(200);
      expect(unknown.body).toContain('name="password"');
      expect(unknown.body).not.toContain('evil.example');
      const tooLong = await new Browser(FROM).request('GET', `${op.base}/login?request=${'r'.repeat(65)}&utm_source=mail`, undefined, JSON_ACCEPT);
      expect(tooLong.status).toBe(400);
      expect(problem(tooLong)['errors']).toEqual([{ pointer: '#/request', detail: expect.stringContaining('shorter than or equal to 64') }]);
    });

    it('serves long usernames, and answers a :user longer than any account name like any miss', async () => {
      // Fastify's default maxParamLength (100) used to turn this valid name into a framework 414.
      const long = `${'l'.repeat(300)}-${uniqueName('x')}`;
      await op.app.get(UsersService).create({ domain: 'localhost', username: long, password: PASSWORD });
      expect((await new Browser(FROM).request('GET', op.identifier(long))).status).toBe(200);
      const miss = await new Browser(FROM).request('GET', `${op.base}/no/such/route`, undefined, JSON_ACCEPT);
      for (const name of ['u'.repeat(1024), 'u'.repeat(3070), '%C3%A9'.repeat(600)]) {
        const res = await new Browser(FROM).request('GET', `${op.base}/openid/${name}`, undefined, JSON_ACCEPT);
        expect(res.status, name.slice(0, 8)).toBe(404);
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        expect({ ...problem(res), requestId: 'x' }).toEqual({ ...problem(miss), requestId: 'x' });
        expect(res.body).not.toContain('uuuu');
      }
    });

    it('answers malformed percent-encoding in the path with our problem, not the framework\'s', async () => {
      const res = await new Browser(FROM).request('GET', `${op.base}/openid/%ZZ`, undefined, JSON_ACCEPT);
      expect(res.status).toBe(400);
      expect(problem(res)).toMatchObject({ code: 'bad_url', status: 400, title: 'Bad address' });
      expect(res.body).not.toContain('%ZZ');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      // RFC 6797 §7.1: over TLS, refusals carry HSTS too.
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+$/);
      const page = await new Browser(FROM).request('GET', `${op.base}/account/trust/%E0%A4%A/revoke`);
      expect(page.status).toBe(400);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    });

    it("answers what Node's HTTP parser refuses (a space or a control character in the target) with our problem, over TLS with HSTS", async () => {
      const port = new URL(op.base).port;
      for (const target of ['/openid/a b', '/openid/\u0001']) {
        const raw = await new Promise<string>((resolve, reject) => {
          // The provider's development certificate: this test checks answers, not the certificate.
          const socket = connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', rejectUnauthorized: false }, () => {
            socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
          });
          let text = '';
          socket.setEncoding('latin1');
          socket.on('data', (c: string) => (text += c));
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
        });
        const [head, body] = raw.split('\r\n\r\n');
        expect(head, JSON.stringify(target)).toMatch(/^HTTP\/1\.1 400 /);
        expect(head).toMatch(/\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/);
        expect(head).toMatch(/\r\nstrict-transport-security: max-age=\d+\r\n/);
        expect(head).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
        expect(JSON.parse(body!)).toMatchObject({ code: 'bad_request', status: 400 });
      }
    });

    it('answers a revoke of an id that is not a UUID with a 404', async () => {
      const { browser, csrf } = await signedIn();
      for (const id of ['not-a-uuid', 'a'.repeat(200)]) {
        const res = await browser.request('POST', `${op.base}/account/sessions/${id}/revoke`, { csrf }, JSON_ACCEPT);
        expect(res.status).toBe(404);
        expect(problem(res)).toMatchObject({ code: 'not_found' });
      }
      const grant = await browser.request('POST', `${op.base}/account/trust/1234/revoke`, { csrf }, JSON_ACCEPT);
      expect(grant.status).toBe(404);
    });
  });
});
