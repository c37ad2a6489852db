import openid from 'openid';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, freePort, startProvider, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { authenticate, verify, type RelyingParty } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';

// Issue 11 point 6: the metrics operators alert on (docs/operations.md "Monitoring"), read from
// /metrics over HTTPS after driving the flows with a real relying party (npm `openid`) and a
// browser stand-in: sign-ins by method and outcome, failures, throttled attempts, positive and
// negative assertions, check_authentication answers, database readiness, the XMPP password
// backend's last result.

const PASSWORD = 'wherefore art thou';

/** The samples of /metrics, `name{labels}` → value. */
async function scrape(op: LiveProvider): Promise<Map<string, number>> {
  const res = await new Browser().request('GET', `${op.base}/metrics`);
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of res.body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('/metrics after real sign-ins and assertions', () => {
  let op: LiveProvider;
  let site: RelyingPartySite;
  let username: string;

  beforeAll(async () => {
    op = await startProvider({ security: { login_rate_limit: { max_attempts_per_account: 2 } } });
    site = await startRelyingPartySite();
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD });
  });
  afterAll(async () => {
    await site.close();
    await op.close();
  });

  const rp = (stateless: boolean): RelyingParty => new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, stateless, false, []);

  async function follow(browser: Browser, res: BrowserResponse): Promise<BrowserResponse> {
    return browser.follow('', op.base, res);
  }

  it('counts sign-ins by outcome, failures by reason, assertions and check_authentication answers', async () => {
    const before = await scrape(op);
    expect(before.get('database_ready')).toBe(1);
    const browser = new Browser();
    const relyingParty = rp(true);
    const login = await browser.follow(await authenticate(relyingParty, op.identifier(username)), op.base);
    expect(login.body).toContain('name="password"');
    expect((await browser.submit(login, { username, password: 'not the password' })).status).toBe(401);
    const consent = await follow(browser, await browser.submit(login, { username, password: PASSWORD }));
    expect(consent.body).toContain('name="decision"');
    const back = await follow(browser, await browser.submit(consent, { decision: 'allow_once' }));
    expect((await verify(relyingParty, String(back.headers.location))).result?.authenticated).toBe(true);
    // Signed in now, no "Always allow": checkid_immediate answers setup_needed (negative).
    const immediate = await browser.request('GET', await authenticate(rp(false), op.identifier(username), true));
    expect(new URL(String(immediate.headers.location)).searchParams.get('openid.mode')).toBe('setup_needed');
    // A deny is a negative assertion too.
    const denied = await follow(browser, await browser.submit(await browser.follow(await authenticate(rp(false), op.identifier(username)), op.base), { decision: 'deny' }));
    expect(new URL(String(denied.headers.location)).searchParams.get('openid.mode')).toBe('cancel');

    const after = await scrape(op);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(delta('openid_sign_ins_total{method="password",outcome="success"}')).toBe(1);
    expect(delta('openid_sign_ins_total{method="password",outcome="failure"}')).toBe(1);
    expect(delta('openid_login_failures_total{reason="invalid_credentials"}')).toBe(1);
    expect(delta('openid_assertions_total{result="positive",mode="checkid_setup"}')).toBe(1);
    expect(delta('openid_assertions_total{result="negative",mode="checkid_immediate"}')).toBe(1);
    expect(delta('openid_assertions_total{result="negative",mode="checkid_setup"}')).toBe(1);
    expect(delta('openid_check_authentication_total{is_valid="true"}')).toBe(1);
    expect(after.get('database_ready')).toBe(1);
  });

  it('counts attempts refused by the login throttle apart from failures', async () => {
    const victim = uniqueName('tybalt');
    await op.app.get(UsersService).create({ domain: 'localhost', username: victim, password: PASSWORD });
    const before = await scrape(op);
    const browser = new Browser();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await browser.submit(await browser.request('GET', `${op.base}/login`), { username: victim, password: 'wrong guess' })).status);
    // Two failures reach the limit (the second already answers 429 with its back-off); the next
    // ones are refused before any password is checked.
    expect(statuses).toEqual([401, 429, 429, 429]);
    const after = await scrape(op);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(delta('openid_sign_ins_total{method="password",outcome="failure"}')).toBe(2);
    expect(delta('openid_sign_ins_total{method="password",outcome="throttled"}')).toBe(2);
    expect(delta('openid_login_throttled_total')).toBe(2);
  });
});

describe('/metrics with an unreachable XMPP server (accounts: xmpp)', () => {
  let op: LiveProvider;
  beforeAll(async () => {
    // Nothing listens on this port: every password check has no verdict.
    op = await startProvider({}, { accounts: 'xmpp', xmpp: { server: `xmpp://127.0.0.1:${await freePort()}`, timeout: '3s' } });
  });
  afterAll(() => op.close());

  it('says the password backend is down and counts the sign-in as unavailable, not as a failure', async () => {
    const browser = new Browser();
    const res = await browser.submit(await browser.request('GET', `${op.base}/login`), { username: 'mercutio', password: PASSWORD });
    expect(res.status).toBe(503);
    const samples = await scrape(op);
    expect(samples.get('xmpp_password_backend_up{domain="localhost"}')).toBe(0);
    expect(samples.get('openid_sign_ins_total{method="password",outcome="unavailable"}')).toBe(1);
    expect(samples.get('openid_sign_ins_total{method="password",outcome="failure"}') ?? 0).toBe(0);
    expect(samples.get('database_ready')).toBe(1);
  });
});
