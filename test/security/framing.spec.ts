import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { LoginApprovalRepository } from '../../src/auth/approval/login-approval.repository.js';
import { UsersService } from '../../src/users/users.service.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { checkidSetupUrl, InjectedBrowser, type Answer } from './browser.js';
import { routesOf } from './routes.js';

// Clickjacking (OWASP ASVS 4.0 14.4.7 "content is not embeddable in third-party sites": CSP
// frame-ancestors, RFC 7034 X-Frame-Options; OpenID 2.0 §14.2 warns of a consent page an RP
// frames to trick the user into approving): every HTML answer of the provider, pages and error
// pages, signed in or not, carries `frame-ancestors 'none'` and `X-Frame-Options: DENY`. The GET
// routes are read from the running application and each is requested, as a visitor and as the
// signed-in owner, with its parameters filled in, plus the HTML answers of the forms and the
// error pages.

const PASSWORD = 'a good passphrase';
const BASE = 'https://example.org';

function header(res: Answer, name: string): string {
  const v = res.headers[name];
  return Array.isArray(v) ? v.join(', ') : String(v ?? '');
}

function isHtml(res: Answer): boolean {
  return /^text\/html/.test(header(res, 'content-type'));
}

describe('framing (OWASP ASVS 4.0 14.4.7, RFC 7034)', () => {
  let t: TestApp;
  let romeo: string;
  let owner: InjectedBrowser;
  const html: string[] = [];

  function expectNotFramable(res: Answer, what: string): void {
    if (!isHtml(res)) return;
    html.push(what);
    const csp = header(res, 'content-security-policy');
    expect(csp, `${what}: CSP`).toMatch(/(^|;\s*)frame-ancestors 'none'(;|$)/);
    expect(header(res, 'x-frame-options'), `${what}: X-Frame-Options`).toBe('DENY');
  }

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, realm: { return_to_verification: 'off' } }));
    romeo = uniqueName('romeo');
    await t.app.get(UsersService).create({ domain: 'example.org', username: romeo, password: PASSWORD });
    owner = new InjectedBrowser(t.app, 'example.org');
    expect((await owner.login({ username: romeo, password: PASSWORD })).status).toBe(303);
  });
  afterAll(() => t?.close());

  it('every GET route, as a visitor and as the signed-in owner, with its parameters filled in', async () => {
    const browserToken = randomBytes(32).toString('base64url');
    const now = new Date();
    const approval = await t.app.get(LoginApprovalRepository, { strict: false }).insert({
      domain: 'example.org',
      username: romeo,
      jid: `${romeo}@example.org`,
      code: 'ABCD2345',
      thread: randomBytes(12).toString('hex'),
      browserHash: createHash('sha256').update(browserToken).digest(),
      requestId: null,
      interaction: null,
      realm: null,
      remember: false,
      ip: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 120_000),
    });
    // A parked request of the owner's: /consent, /continue and /login take it as ?request=.
    const consent = await owner.follow(checkidSetupUrl(BASE, romeo, 'https://framed.example'));
    expect(consent.body).toContain('name="decision"');
    const request = /name="request" value="([^"]+)"/.exec(consent.body)![1]!;

    const gets = routesOf(t.app).filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.path)).toEqual(expect.arrayContaining(['/login', '/consent', '/continue', '/openid', '/openid/:user', '/login/approval/:id']));
    const visitor = new InjectedBrowser(t.app, 'example.org');
    const waiting = new InjectedBrowser(t.app, 'example.org');
    waiting.cookies.set('__Host-op-approval', browserToken);
    for (const route of gets) {
      const filled = [route.path.replace(':user', romeo).replace(':id', approval.id), route.path.replace(':user', uniqueName('nobody')).replace(':id', randomUUID())];
      if (route.path.includes(':id')) filled.push(route.path.replace(':id', 'not-a-uuid'));
      const urls = filled.flatMap((p) => [p, `${p}?request=${encodeURIComponent(request)}`, `${p}?request=${'x'.repeat(40)}`]);
      for (const url of urls) {
        for (const [who, b] of [
          ['visitor', visitor],
          ['owner', owner],
          ['approval browser', waiting],
        ] as const) {
          const res = await b.get(url);
          expect(res.status, `${who} GET ${url}`).toBeLessThan(500);
          expectNotFramable(res, `${who} GET ${url} (${res.status})`);
        }
      }
    }
    // The pages people see are among them: the test cannot pass on none.
    for (const page of ['/login (200)', `/openid/${romeo} (200)`, `/consent?request=${encodeURIComponent(request)} (200)`, `/login/approval/${approval.id} (200)`]) {
      expect(html.some((h) => h.endsWith(page)), page).toBe(true);
    }
  });

  it('the HTML answers of the forms, the OpenID flow and the error pages', async () => {
    const b = new InjectedBrowser(t.app, 'example.org');
    const page = await b.get('/login');
    const answers: [string, Answer][] = [
      ['login 401', await b.login({ username: romeo, password: 'wrong' }, page)],
      ['login 400 (too long)', await b.login({ username: 'u'.repeat(2000), password: 'x' }, page)],
      ['login 403 (CSRF)', await b.post('/login', { username: romeo, password: PASSWORD })],
      ['unknown path 404', await b.get('/no/such/page')],
      ['over-long path parameter', await b.get(`/openid/${'a'.repeat(5000)}`)],
      ['bad percent-encoding', await b.get('/openid/%E0%A4%A')],
      ['endpoint without a message', await b.get('/openid')],
      ['checkid_setup to the login page', await b.follow(checkidSetupUrl(BASE, romeo, 'https://framed2.example'))],
      ['unknown host 404', await new InjectedBrowser(t.app, 'unknown.example').get('/login')],
    ];
    // Signed in: the consent page, and the answer of "allow" (a redirect, or a form-post page).
    const consent = await owner.follow(checkidSetupUrl(BASE, romeo, 'https://framed3.example'));
    answers.push(['consent page', consent]);
    answers.push(['consent 400 (tampered decision)', await owner.submit(consent, { decision: 'maybe' })]);
    const longReturn = `https://framed4.example/return?pad=${'p'.repeat(2100)}`;
    const q = new URLSearchParams({
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': `${BASE}/openid/${romeo}`,
      'openid.identity': `${BASE}/openid/${romeo}`,
      'openid.return_to': longReturn,
      'openid.realm': 'https://framed4.example/',
    });
    const longConsent = await owner.follow(`/openid?${q.toString()}`);
    const formPost = await owner.submit(longConsent, { decision: 'allow_once' });
    answers.push(['form-post answer (return_to over 2,047 bytes, OpenID 2.0 §5.2.1)', formPost]);
    for (const [what, res] of answers) {
      expect(res.status, what).toBeLessThan(500);
      expect(isHtml(res) || res.status === 302 || res.status === 303, `${what}: ${res.status} ${header(res, 'content-type')}`).toBe(true);
      expectNotFramable(res, what);
    }
    expect(isHtml(formPost), 'the form-post page is HTML').toBe(true);
    expect(html.length).toBeGreaterThan(10);
  });
});
