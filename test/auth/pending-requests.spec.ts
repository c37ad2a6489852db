import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RuntimeModule } from '../../src/app.module.js';
import { PendingRequest } from '../../src/auth/checkid/pending-request.entity.js';
import { PendingRequestRepository } from '../../src/auth/checkid/pending-request.repository.js';
import { PendingRequestExpired, PendingRequestService } from '../../src/auth/checkid/pending-request.service.js';
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
  const message: [string, string][] = [['openid.mode', 'checkid_setup']];

  beforeAll(async () => {
    clock = new TestClock(new Date('2001-01-01T00:00:00Z'));
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(testConfig()),
        RuntimeModule.forRoot({ logger: createRootLogger('silent'), metrics: new Metrics() }),
        CommonModule,
        DatabaseModule,
        TypeOrmModule.forFeature([PendingRequest]),
      ],
      providers: [PendingRequestRepository, PendingRequestService],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    ctx = await moduleRef.init();
    pending = ctx.get(PendingRequestService);
  });
  afterAll(() => ctx.close());

  it('finds a request on its own domain until it expires', async () => {
    const id = await pending.save('example.org', message);
    expect((await pending.load(id, 'example.org')).message).toEqual(message);
    await expect(pending.load(id, 'other.example')).rejects.toBeInstanceOf(PendingRequestExpired);
    await expect(pending.load('not an id', 'example.org')).rejects.toBeInstanceOf(PendingRequestExpired);
    clock.advance(30 * 60);
    await expect(pending.load(id, 'example.org')).rejects.toBeInstanceOf(PendingRequestExpired);
  });

  it('is answered once, even by concurrent answers', async () => {
    const id = await pending.save('example.org', message);
    const results = await Promise.all([1, 2, 3, 4].map(() => pending.remove(id)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await expect(pending.load(id, 'example.org')).rejects.toBeInstanceOf(PendingRequestExpired);
  });

  it('prunes expired requests only', async () => {
    const old = await pending.save('example.org', message);
    clock.advance(20 * 60);
    const recent = await pending.save('example.org', message);
    clock.advance(15 * 60); // old expired 5 minutes ago, recent has 15 minutes left
    expect(await pending.pruneExpired()).toBeGreaterThanOrEqual(1);
    expect(await pending.remove(old)).toBe(false);
    expect((await pending.load(recent, 'example.org')).id).toBe(recent);
  });
});
