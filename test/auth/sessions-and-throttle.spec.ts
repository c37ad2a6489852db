import { randomInt } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RuntimeModule } from '../../src/app.module.js';
import { SessionModule } from '../../src/auth/session/session.module.js';
import { TrustModule } from '../../src/realm/trust.module.js';
import { UsersModule } from '../../src/users/users.module.js';
import { createRootLogger } from '../../src/http/logger.js';
import { Metrics } from '../../src/http/metrics.js';
import { LoginThrottleRepository } from '../../src/auth/login/login-throttle.repository.js';
import { LoginThrottleService, type ThrottleKeys } from '../../src/auth/login/login-throttle.service.js';
import { SessionRepository } from '../../src/auth/session/session.repository.js';
import { SessionService } from '../../src/auth/session/session.service.js';
import { Clock } from '../../src/common/clock.js';
import { TestClock } from '../helpers/clock.js';
import { CommonModule } from '../../src/common/common.module.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { TrustGrantRepository } from '../../src/realm/trust-grant.repository.js';
import { TrustGrantsService } from '../../src/realm/trust-grants.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { testConfig, uniqueName } from '../helpers/test-app.js';

// Sessions, trust grants and login throttling against the real database, with a clock the test
// moves (idle 30 min, absolute 12 h, remember-me 30 days; throttle: 3 per account, 5 per address,
// 15 min window, back-off 30 s doubling up to 5 min).


describe('sessions, grants and throttling', () => {
  let ctx: INestApplicationContext;
  let clock: TestClock;
  let sessions: SessionService;
  let users: UsersService;
  let throttle: LoginThrottleService;

  beforeAll(async () => {
    const loaded = testConfig({ security: { login_rate_limit: { max_attempts_per_account: 3, max_attempts_per_address: 5, window: '15m', backoff_base: '30s', backoff_max: '5m' } } });
    clock = new TestClock(new Date('2030-01-01T00:00:00Z'));
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(loaded), RuntimeModule.forRoot({ logger: createRootLogger('silent'), metrics: new Metrics() }), CommonModule, DatabaseModule, UsersModule, SessionModule, TrustModule],
      providers: [LoginThrottleService, LoginThrottleRepository],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    ctx = await moduleRef.init();
    sessions = ctx.get(SessionService);
    users = ctx.get(UsersService, { strict: false });
    throttle = ctx.get(LoginThrottleService);
  });
  afterAll(() => ctx.close());

  async function user(): Promise<Awaited<ReturnType<UsersService['create']>>> {
    return users.create({ domain: 'example.org', username: uniqueName(), password: 'a good passphrase' });
  }

  it('ends a session after the idle timeout, and keeps an active one alive until the absolute limit', async () => {
    const u = await user();
    const idle = await sessions.create(u, { remember: false });
    clock.advance(29 * 60);
    expect(await sessions.resolve(idle.token)).toBeDefined();
    clock.advance(29 * 60); // 29 min after the last use
    expect(await sessions.resolve(idle.token)).toBeDefined();
    clock.advance(31 * 60);
    expect(await sessions.resolve(idle.token)).toBeUndefined();
    expect(await sessions.resolve(idle.token)).toBeUndefined();

    const busy = await sessions.create(u, { remember: false });
    for (let i = 0; i < 40; i++) {
      clock.advance(20 * 60);
      const alive = await sessions.resolve(busy.token);
      expect(alive !== undefined, `after ${(i + 1) * 20} min`).toBe((i + 1) * 20 * 60 < 12 * 3600);
    }
  });

  it('keeps a remembered session across idle periods, up to its own lifetime', async () => {
    const u = await user();
    const remembered = await sessions.create(u, { remember: true });
    expect(sessions.cookieMaxAge(remembered.session)).toBe(30 * 86400);
    clock.advance(10 * 86400);
    expect(await sessions.resolve(remembered.token)).toBeDefined();
    clock.advance(21 * 86400);
    expect(await sessions.resolve(remembered.token)).toBeUndefined();
  });

  it('stores only a hash of the token, and drops sessions of disabled users', async () => {
    const u = await user();
    const s = await sessions.create(u, { remember: false });
    expect(s.session.tokenHash.toString('base64url')).not.toBe(s.token);
    expect(await sessions.resolve(s.token.slice(0, -1) + (s.token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    await users.setDisabled('example.org', u.username, true);
    expect(await sessions.resolve(s.token)).toBeUndefined();
  });

  it('remembers a resolved session for a second: a logout or a change here counts at once, one elsewhere within the second', async () => {
    const repository = ctx.get(SessionRepository, { strict: false });
    const u = await user();
    const s = await sessions.create(u, { remember: false });
    expect((await sessions.resolve(s.token))?.user.id).toBe(u.id);
    // Ended by another process (straight in the table): still signed in here for at most a second.
    await repository.delete(s.session.id);
    expect((await sessions.resolve(s.token))?.session.id).toBe(s.session.id);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await sessions.resolve(s.token)).toBeUndefined();
    // Through this process: a logout, a revoke by id, a revoke of all, a disabled or changed account count at once.
    const a = await sessions.create(u, { remember: false });
    expect(await sessions.resolve(a.token)).toBeDefined();
    await sessions.revoke(a.token);
    expect(await sessions.resolve(a.token)).toBeUndefined();
    const b = await sessions.create(u, { remember: false });
    expect(await sessions.resolve(b.token)).toBeDefined();
    await sessions.revokeById(u.id, b.session.id);
    expect(await sessions.resolve(b.token)).toBeUndefined();
    const c = await sessions.create(u, { remember: true });
    expect(await sessions.resolve(c.token)).toBeDefined();
    await sessions.revokeAll(u.id);
    expect(await sessions.resolve(c.token)).toBeUndefined();
    const d = await sessions.create(u, { remember: false });
    expect((await sessions.resolve(d.token))?.user.email).toBeNull();
    await users.updateProfile('example.org', u.username, { email: 'romeo@example.org' });
    expect((await sessions.resolve(d.token))?.user.email).toBe('romeo@example.org');
    await users.setDisabled('example.org', u.username, true);
    expect(await sessions.resolve(d.token)).toBeUndefined();
    // What a caller does to its copy never reaches the next request.
    await users.setDisabled('example.org', u.username, false);
    const mine = await sessions.resolve(d.token);
    mine!.user.email = 'changed@example.org';
    expect((await sessions.resolve(d.token))?.user.email).toBe('romeo@example.org');
  });

  it('ends every session of an account when its password is changed (ASVS V3.3.3), in the database too', async () => {
    const repository = ctx.get(SessionRepository, { strict: false });
    const u = await user();
    const phone = await sessions.create(u, { remember: true });
    const laptop = await sessions.create(u, { remember: false });
    const other = await sessions.create(await user(), { remember: false });
    expect(await sessions.resolve(phone.token)).toBeDefined();
    await users.setPassword('example.org', u.username, 'another good passphrase');
    expect(await sessions.resolve(phone.token)).toBeUndefined();
    expect(await sessions.resolve(laptop.token)).toBeUndefined();
    expect(await repository.listUnexpired(u.id, clock.now())).toEqual([]);
    // Nobody else's.
    expect(await sessions.resolve(other.token)).toBeDefined();
  });

  it('revokes one session or all of them', async () => {
    const u = await user();
    const a = await sessions.create(u, { remember: false });
    const b = await sessions.create(u, { remember: true });
    expect((await sessions.listActive(u.id)).map((s) => s.id).sort()).toEqual([a.session.id, b.session.id].sort());
    expect(await sessions.revokeById(u.id, a.session.id)).toBe(true);
    expect(await sessions.resolve(a.token)).toBeUndefined();
    expect(await sessions.resolve(b.token)).toBeDefined();
    const other = await user();
    expect(await sessions.revokeById(other.id, b.session.id)).toBe(false); // not theirs
    await sessions.revokeAll(u.id);
    expect(await sessions.resolve(b.token)).toBeUndefined();
  });

  it('keeps one trust grant per user and realm, replaced on re-grant, revocable by its owner only', async () => {
    const grants = ctx.get(TrustGrantsService, { strict: false });
    const u = await user();
    await grants.grant(u.id, 'https://rp.example/', ['email']);
    await grants.grant(u.id, 'https://rp.example/', ['email', 'nickname']);
    const list = await grants.list(u.id);
    expect(list).toHaveLength(1);
    expect(list[0]!.fields).toEqual(['email', 'nickname']);
    const other = await user();
    expect(await grants.revoke(other.id, list[0]!.id)).toBe(false);
    expect(await grants.revoke(u.id, list[0]!.id)).toBe(true);
    expect(await grants.find(u.id, 'https://rp.example/')).toBeNull();
  });

  it('remembers a found grant for a second: a revoke here counts at once, one elsewhere within the second', async () => {
    const grants = ctx.get(TrustGrantsService, { strict: false });
    const repository = ctx.get(TrustGrantRepository, { strict: false });
    const u = await user();
    expect(await grants.find(u.id, 'https://cached.example/')).toBeNull();
    // Absent grants are not remembered: "always allow" counts at once.
    await grants.grant(u.id, 'https://cached.example/', ['email']);
    const found = await grants.find(u.id, 'https://cached.example/');
    expect(found?.fields).toEqual(['email']);
    // Revoked by another process (straight in the table): still trusted here for at most a second.
    await repository.deleteOwned(u.id, found!.id);
    expect((await grants.find(u.id, 'https://cached.example/'))?.id).toBe(found!.id);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await grants.find(u.id, 'https://cached.example/')).toBeNull();
    // Revoked through this process: gone at once.
    await grants.grant(u.id, 'https://cached.example/', []);
    const again = await grants.find(u.id, 'https://cached.example/');
    expect(await grants.revoke(u.id, again!.id)).toBe(true);
    expect(await grants.find(u.id, 'https://cached.example/')).toBeNull();
  });

  it('stamps a grant as used behind the response, never back in time, seen by the next list', async () => {
    const grants = ctx.get(TrustGrantsService, { strict: false });
    const u = await user();
    await grants.grant(u.id, 'https://stamps.example/', []);
    const [grant] = await grants.list(u.id);
    const later = clock.now().getTime() + 60_000;
    clock.advance(60);
    await grants.markUsed(grant!);
    clock.advance(-30);
    await grants.markUsed(grant!); // an older stamp queued after a newer one (another request)
    clock.advance(30);
    const [after] = await grants.list(u.id);
    expect(after!.lastUsedAt?.getTime()).toBe(later);
    await grants.markUsed(after!);
    await grants.revoke(u.id, after!.id);
    // A stamp for a grant revoked meanwhile is simply nothing to update.
    expect(await grants.list(u.id)).toEqual([]);
  });

  /** One wrong password through the real sequence: reserved first, then judged; answers the wait it imposed. */
  async function recordFailure(keys: ThrottleKeys): Promise<number> {
    const verdict = await throttle.reserve(keys);
    if (!verdict.allowed) throw new Error(`refused: wait ${verdict.wait}`);
    return throttle.failed(verdict.reservation);
  }

  async function recordSuccess(keys: ThrottleKeys): Promise<void> {
    const verdict = await throttle.reserve(keys);
    if (!verdict.allowed) throw new Error(`refused: wait ${verdict.wait}`);
    await throttle.succeeded(verdict.reservation);
  }

  it('throttles an account with a doubling back-off, capped, and forgets after the window', async () => {
    const keys = throttle.keys('example.org', uniqueName('target'), `192.0.2.${randomInt(1, 250)}`);
    expect(await recordFailure(keys)).toBe(0);
    expect(await recordFailure(keys)).toBe(0);
    expect(await recordFailure(keys)).toBe(30);
    expect(await throttle.waitSeconds(keys)).toBe(30);
    clock.advance(31);
    expect(await throttle.waitSeconds(keys)).toBe(0);
    expect(await recordFailure(keys)).toBe(60);
    clock.advance(61);
    expect(await recordFailure(keys)).toBe(120);
    clock.advance(121);
    expect(await recordFailure(keys)).toBe(240);
    clock.advance(241);
    expect(await recordFailure(keys)).toBe(300); // capped at backoff_max
    clock.advance(16 * 60); // the window passes with no failure
    expect(await throttle.waitSeconds(keys)).toBe(0);
    expect(await recordFailure(keys)).toBe(0);
  });

  it('counts failures per address across accounts, and a success clears only the account', async () => {
    const address = '198.51.100.7';
    const first = throttle.keys('example.org', uniqueName('a'), address);
    await recordFailure(first);
    await recordFailure(first);
    await recordSuccess(first);
    expect(await throttle.waitSeconds(first)).toBe(0);
    const spray = [1, 2, 3].map(() => throttle.keys('example.org', uniqueName('b'), address));
    expect(await recordFailure(spray[0]!)).toBe(0);
    expect(await recordFailure(spray[1]!)).toBe(0);
    // The fifth failure from this address (two before the success still count) locks the address.
    expect(await recordFailure(spray[2]!)).toBe(30);
    expect(await throttle.waitSeconds(throttle.keys('example.org', uniqueName('fresh'), address))).toBe(30);
    expect(await throttle.waitSeconds(throttle.keys('example.org', uniqueName('fresh'), '198.51.100.8'))).toBe(0);
    // While locked, an attempt is refused before any password, and not counted.
    const refused = await throttle.reserve(throttle.keys('example.org', uniqueName('fresh'), address));
    expect(refused).toEqual({ allowed: false, wait: 30 });
  });

  it('gives reservations back when there is no verdict, and a success gives the address its attempt back without resetting it', async () => {
    const address = '198.51.100.9';
    const name = uniqueName('c');
    const keys = throttle.keys('example.org', name, address);
    // Ten attempts with no verdict (XMPP server down): nothing stays counted.
    for (let i = 0; i < 10; i++) {
      const v = await throttle.reserve(keys);
      expect(v.allowed).toBe(true);
      if (v.allowed) await throttle.giveBack(v.reservation);
    }
    expect(await recordFailure(keys)).toBe(0);
    expect(await recordFailure(keys)).toBe(0);
    // The account's third attempt would lock it; a success clears it instead.
    await recordSuccess(keys);
    expect(await recordFailure(keys)).toBe(0);
    // The address holds its three failures (the success is not one), then one more: the fifth locks it.
    for (let i = 0; i < 1; i++) expect(await recordFailure(throttle.keys('example.org', uniqueName('d'), address))).toBe(0);
    expect(await recordFailure(throttle.keys('example.org', uniqueName('d'), address))).toBe(30);

    // An address one failure short of its limit: a success's reservation reaches the limit and
    // sets the lock, which its give-back lifts again (a good password locks nobody out).
    const office = '198.51.100.10';
    for (let i = 0; i < 4; i++) expect(await recordFailure(throttle.keys('example.org', uniqueName('e'), office))).toBe(0);
    await recordSuccess(throttle.keys('example.org', uniqueName('e'), office));
    expect(await throttle.waitSeconds(throttle.keys('example.org', uniqueName('e'), office))).toBe(0);
    expect(await recordFailure(throttle.keys('example.org', uniqueName('e'), office))).toBe(30);
  });

  it('treats names case-insensitively for the account key', () => {
    expect(throttle.keys('example.org', 'Romeo', '1.2.3.4').account).toBe(throttle.keys('example.org', 'ROMEO', '1.2.3.4').account);
  });
});
