import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RuntimeModule } from '../../src/app.module.js';
import { PendingRequest } from '../../src/auth/checkid/pending-request.entity.js';
import { PendingRequestRepository } from '../../src/auth/checkid/pending-request.repository.js';
import { PendingRequestExpired, PendingRequestService, PendingRequestTooLarge } from '../../src/auth/checkid/pending-request.service.js';
import { ClientRateLimits, TooManyPendingRequests } from '../../src/auth/client-rate-limits.js';
import { AuditModule } from '../../src/audit/audit.module.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { Clock } from '../../src/common/clock.js';
import { TestClock } from '../helpers/clock.js';
import { CommonModule } from '../../src/common/common.module.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { createRootLogger } from '../../src/http/logger.js';
import { Metrics } from '../../src/http/metrics.js';
import { testConfig } from '../helpers/test-app.js';

// Parked checkid requests against the real database. The clock sits in the past so that pruning
// only ever reaches this suite's rows, even on a PostgreSQL database other suites share.


describe('pending requests', () => {
  let ctx: INestApplicationContext;
  let clock: TestClock;
  let pending: PendingRequestService;
  let metrics: Metrics;
  const message: [string, string][] = [['openid.mode', 'checkid_setup']];
  // Every test parks from its own address, so that the per-client cap counts only its own rows.
  let n = 0;
  const client = () => ({ ip: `192.0.2.${++n}`, userAgent: 'vitest' });

  beforeAll(async () => {
    clock = new TestClock(new Date('2001-01-01T00:00:00Z'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(testConfig({ openid: { pending_requests: { max_bytes: 8192, max_per_client: 3 } } })),
        RuntimeModule.forRoot({ logger: createRootLogger('silent'), metrics: (metrics = new Metrics()) }),
        CommonModule,
        DatabaseModule,
        AuditModule,
        TypeOrmModule.forFeature([PendingRequest]),
      ],
      providers: [PendingRequestRepository, PendingRequestService, ClientRateLimits],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    ctx = await moduleRef.init();
    pending = ctx.get(PendingRequestService);
  });
  afterAll(() => ctx.close());

  it('finds a request on its own domain until it expires', async () => {
    const id = await pending.save('example.org', message, client());
    expect((await pending.load(id, 'example.org')).message).toEqual(message);
    await expect(pending.load(id, 'other.example')).rejects.toBeInstanceOf(PendingRequestExpired);
    await expect(pending.load('not an id', 'example.org')).rejects.toBeInstanceOf(PendingRequestExpired);
    clock.advance(30 * 60);
    await expect(pending.load(id, 'example.org')).rejects.toBeInstanceOf(PendingRequestExpired);
  });

  it('is answered once, even by concurrent answers', async () => {
    const id = await pending.save('example.org', message, client());
    const results = await Promise.all([1, 2, 3, 4].map(() => pending.remove(id)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await expect(pending.load(id, 'example.org')).rejects.toBeInstanceOf(PendingRequestExpired);
  });

  it('prunes expired requests only', async () => {
    const old = await pending.save('example.org', message, client());
    clock.advance(20 * 60);
    const recent = await pending.save('example.org', message, client());
    clock.advance(15 * 60); // old expired 5 minutes ago, recent has 15 minutes left
    expect(await pending.pruneExpired()).toBeGreaterThanOrEqual(1);
    expect(await pending.remove(old)).toBe(false);
    expect((await pending.load(recent, 'example.org')).id).toBe(recent);
  });

  // Issue 11 point 4: byte caps on parked requests. What one row stores is bounded by
  // openid.pending_requests.max_bytes, measured as the JSON the jsonb column receives.
  it('refuses a request whose stored JSON exceeds max_bytes (413), storing nothing', async () => {
    // 8192 bytes of JSON with escapes: quotes and backslashes double in JSON, so a value under the
    // cap as text can be over it as stored.
    const big: [string, string][] = [['openid.mode', 'checkid_setup'], ['openid.return_to', `https://rp.example/?q=${'"'.repeat(4100)}`]];
    const error = await pending.save('example.org', big, client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PendingRequestTooLarge);
    expect(error).toMatchObject({ status: 413, code: 'pending_request_too_large' });
    const fits: [string, string][] = [['openid.mode', 'checkid_setup'], ['openid.return_to', `https://rp.example/?q=${'a'.repeat(8000)}`]];
    const id = await pending.save('example.org', fits, client());
    expect((await pending.load(id, 'example.org')).message).toEqual(fits);
  });

  // Issue 11 point 4: a cap on how many a single client can park (IPv6 counted by its /64,
  // RFC 4291 §2.5.4), refused with 429 and Retry-After, audited once and counted.
  it('caps how many requests one client address parks, IPv6 by /64, and audits and counts the refusal', async () => {
    const v6 = (i: number) => ({ ip: `2001:db8:77:1::${i}`, userAgent: 'vitest' });
    for (let i = 1; i <= 3; i++) await pending.save('example.org', message, v6(i));
    const refused = await pending.save('example.org', message, v6(4)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyPendingRequests);
    expect(refused).toMatchObject({ status: 429, headers: { 'retry-after': '600' } });
    await expect(pending.save('example.org', message, v6(5))).rejects.toBeInstanceOf(TooManyPendingRequests);
    // Another /64 is not affected.
    await pending.save('example.org', message, { ip: '2001:db8:77:2::1', userAgent: 'vitest' });
    expect((await metrics.registry.getSingleMetricAsString('openid_rate_limited_total'))).toContain('openid_rate_limited_total{kind="pending_requests"} 2');
    const events = await ctx.get(AuditService).search({ kinds: ['pending_rate_limited'], since: clock.now(), limit: 10 });
    // Audited once per client and minute, whatever the number of refusals (a flood does not grow the table).
    expect(events.filter((e) => e.ip === '2001:db8:77:1::4')).toHaveLength(1);
    expect(events.filter((e) => e.ip === '2001:db8:77:1::5')).toHaveLength(0);
  });
});
