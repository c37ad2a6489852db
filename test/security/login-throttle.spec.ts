import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { UsersService } from '../../src/users/users.service.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { countVerifications, InjectedBrowser, setCookies, testAddress, testIpv6Prefix, type Answer } from './browser.js';

// Login brute force (issue 11 point 1): the throttle per account and per client address, IPv6
// clients by their /64, N parallel guesses of which at most M are verified (the attempt is
// reserved atomically before the password is checked), and device cookies, so that whoever keeps
// an account locked does not keep its owner out (OWASP "Slow Down Online Guessing Attacks with
// Device Cookies"; OWASP ASVS 4.0 2.2.1 "anti-automation controls"). Addresses come through
// X-Forwarded-For from the trusted proxy 127.0.0.1; passwords are checked by the real argon2id
// backend, whose calls are counted around it.

const PASSWORD = 'a good passphrase';
const LIMITS = { max_attempts_per_account: 3, max_attempts_per_address: 5, max_attempts_per_device: 3, window: '15m', backoff_base: '30s', backoff_max: '5m' };

describe('login brute force (OWASP ASVS 4.0 2.2.1)', () => {
  let t: TestApp;
  let verifications: ReturnType<typeof countVerifications>;

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, security: { login_rate_limit: LIMITS } }));
    verifications = countVerifications(t.app);
  });
  afterAll(() => t?.close());

  const browser = (address?: string) => new InjectedBrowser(t.app, 'example.org', address);

  async function account(): Promise<string> {
    const username = uniqueName('target');
    await t.app.get(UsersService).create({ domain: 'example.org', username, password: PASSWORD });
    return username;
  }

  function statuses(answers: Answer[]): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    return counts;
  }

  /** Each browser loads its login page first (its own CSRF token), then all post at once. */
  async function inParallel(browsers: InjectedBrowser[], fields: (i: number) => Record<string, string>): Promise<Answer[]> {
    const pages = await Promise.all(browsers.map((b) => b.get('/login')));
    verifications.reset();
    return Promise.all(browsers.map((b, i) => b.login(fields(i), pages[i])));
  }

  it('20 parallel wrong passwords for one account (max 3) from 20 addresses: exactly 3 verified, the rest 429 (ASVS 2.2.1; check-then-act race)', async () => {
    const name = await account();
    const answers = await inParallel(
      Array.from({ length: 20 }, () => browser()),
      (i) => ({ username: name, password: `wrong guess ${i}` }),
    );
    expect(verifications.count).toBe(3);
    // Two plain failures; the third reaches the limit and answers the wait; 17 never had a password checked.
    expect(statuses(answers)).toEqual({ 401: 2, 429: 18 });
    // The third answers the lock it set (backoff_base, 30 s); those refused meanwhile, what is left
    // of it from their own clock reading, which depends on the machine's load (a request that read
    // the clock just before the one that set the lock, but reached the row after it, sees 31).
    for (const a of answers.filter((x) => x.status === 429)) {
      const wait = Number(a.headers['retry-after']);
      expect(wait).toBeGreaterThanOrEqual(15);
      expect(wait).toBeLessThanOrEqual(31);
      expect(a.body).toContain(`Too many failed attempts. Try again in ${wait} seconds.`);
    }
    // The right password now, from yet another address: refused unchecked, no session.
    verifications.reset();
    const right = await browser().login({ username: name, password: PASSWORD });
    expect(right.status).toBe(429);
    expect(verifications.count).toBe(0);
    expect(setCookies(right.headers).join()).not.toContain('op-session');
  });

  it('20 parallel guesses from one address over 20 accounts (a spray, max 5 per address): exactly 5 verified, the rest 429', async () => {
    const address = testAddress();
    const answers = await inParallel(
      Array.from({ length: 20 }, () => browser(address)),
      () => ({ username: uniqueName('sprayed'), password: 'Winter2026!' }),
    );
    expect(verifications.count).toBe(5);
    expect(statuses(answers)).toEqual({ 401: 4, 429: 16 });
    // Another address is not concerned.
    expect((await browser().login({ username: uniqueName('sprayed'), password: 'Winter2026!' })).status).toBe(401);
  });

  it.runIf(inject('databaseUrl') !== null)('two instances on one PostgreSQL: 20 parallel wrong passwords split between them, still exactly 3 verified (the reservation is one atomic statement)', async () => {
    const second = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, security: { login_rate_limit: LIMITS } }));
    try {
      const secondVerifications = countVerifications(second.app);
      const name = await account();
      const browsers = Array.from({ length: 20 }, (_, i) => new InjectedBrowser(i % 2 === 0 ? t.app : second.app, 'example.org'));
      const pages = await Promise.all(browsers.map((b) => b.get('/login')));
      verifications.reset();
      secondVerifications.reset();
      const answers = await Promise.all(browsers.map((b, i) => b.login({ username: name, password: `wrong guess ${i}` }, pages[i])));
      expect(verifications.count + secondVerifications.count).toBe(3);
      expect(statuses(answers)).toEqual({ 401: 2, 429: 18 });
    } finally {
      await second.close();
    }
  });

  it('counts an IPv6 client by its /64 (RFC 4291 §2.5.4): rotating the interface identifier buys no attempts', async () => {
    const prefix = testIpv6Prefix();
    for (let i = 1; i <= 4; i++) {
      const res = await browser(`${prefix}::${i.toString(16)}`).login({ username: uniqueName('v6'), password: 'guess' });
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    // The fifth failure from the /64 locks it, whatever the rest of the address (long form too).
    expect((await browser(`${prefix}:0:0:0:5`).login({ username: uniqueName('v6'), password: 'guess' })).status).toBe(429);
    verifications.reset();
    for (const host of [`${prefix}:dead:beef:cafe:1`, `${prefix}:ffff:ffff:ffff:fffe`]) {
      const res = await browser(host).login({ username: uniqueName('v6'), password: 'guess' });
      expect(res.status, host).toBe(429);
    }
    expect(verifications.count).toBe(0);
    // A neighbouring /64 is another client.
    const [a, b, c, d] = prefix.split(':') as [string, string, string, string];
    const neighbour = `${a}:${b}:${c}:${(Number.parseInt(d, 16) ^ 1).toString(16)}::1`;
    expect((await browser(neighbour).login({ username: uniqueName('v6'), password: 'guess' })).status).toBe(401);
  });

  it('gives a successful sign-in a device cookie: random, stored hashed, __Host-, Secure, HttpOnly, SameSite=Lax, long-lived (OWASP device cookies)', async () => {
    const name = await account();
    const owner = browser();
    const res = await owner.login({ username: name, password: PASSWORD });
    expect(res.status).toBe(303);
    const line = setCookies(res.headers).find((c) => c.startsWith('__Host-op-device='));
    expect(line).toMatch(/^__Host-op-device=[A-Za-z0-9_-]{43}; Path=\/; SameSite=Lax; Secure; HttpOnly; Max-Age=15552000$/);
    const token = owner.cookie('__Host-op-device')!;
    const ds = t.app.get(DataSource);
    const rows = (await ds.query(`SELECT d.token_hash FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.domain = 'example.org' AND u.username = $1`, [name])) as { token_hash: Buffer }[];
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.token_hash).equals(createHash('sha256').update(token).digest())).toBe(true);
    // Signing in again from the same browser keeps its cookie (no new row).
    owner.cookies.delete('__Host-op-session');
    const again = await owner.login({ username: name, password: PASSWORD });
    expect(again.status).toBe(303);
    expect(setCookies(again.headers).some((c) => c.startsWith('__Host-op-device='))).toBe(false);
    expect(await ds.query(`SELECT 1 FROM login_devices d JOIN users u ON u.id = d.user_id WHERE u.username = $1`, [name])).toHaveLength(1);
  });

  it('a locked account still lets its owner in from a device it signed in from before; a forged or another account\'s device cookie does not (OWASP device cookies; ASVS 2.2.1)', async () => {
    const name = await account();
    const other = await account();
    const owner = browser();
    expect((await owner.login({ username: name, password: PASSWORD })).status).toBe(303);
    owner.cookies.delete('__Host-op-session'); // signed out; the device cookie stays
    const otherOwner = browser();
    expect((await otherOwner.login({ username: other, password: PASSWORD })).status).toBe(303);
    otherOwner.cookies.delete('__Host-op-session');

    // Someone keeps the account locked from elsewhere.
    await inParallel(
      Array.from({ length: 6 }, () => browser()),
      (i) => ({ username: name, password: `attacker ${i}` }),
    );
    expect((await browser().login({ username: name, password: PASSWORD })).status).toBe(429);

    // The owner, from the browser they signed in from: in.
    const mine = await owner.login({ username: name, password: PASSWORD });
    expect(mine.status).toBe(303);
    expect(setCookies(mine.headers).some((c) => c.startsWith('__Host-op-session='))).toBe(true);

    // A forged device cookie (random, never issued): locked like any stranger.
    const forger = browser();
    forger.cookies.set('__Host-op-device', randomBytes(32).toString('base64url'));
    expect((await forger.login({ username: name, password: PASSWORD })).status).toBe(429);
    // Another account's valid device cookie: not this account's device.
    otherOwner.address = testAddress();
    expect((await otherOwner.login({ username: name, password: PASSWORD })).status).toBe(429);
    // Still valid for its own account.
    expect((await otherOwner.login({ username: other, password: PASSWORD })).status).toBe(303);
  });

  it('a stolen device cookie cannot brute-force: 10 parallel guesses with it are counted on its own bucket, at most max_attempts_per_device (3) verified', async () => {
    const name = await account();
    const owner = browser();
    expect((await owner.login({ username: name, password: PASSWORD })).status).toBe(303);
    const stolen = owner.cookie('__Host-op-device')!;
    const thieves = Array.from({ length: 10 }, () => {
      const b = browser();
      b.cookies.set('__Host-op-device', stolen);
      return b;
    });
    const answers = await inParallel(thieves, (i) => ({ username: name, password: `thief ${i}` }));
    expect(verifications.count).toBe(3);
    expect(statuses(answers)).toEqual({ 401: 2, 429: 8 });
    // The device's bucket is what locked: the account itself counted none of these, so the
    // owner's other browsers are not affected.
    expect((await browser().login({ username: name, password: PASSWORD })).status).toBe(303);
  });
});
