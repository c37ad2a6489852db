import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { inject } from 'vitest';
import { AppModule, type AppRuntime } from '../../src/app.module.js';
import { configureApp, createAdapter } from '../../src/app.factory.js';
import type { LoadedConfig } from '../../src/config/config.loader.js';
import { parseConfig } from '../../src/config/config.loader.js';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { createRootLogger } from '../../src/http/logger.js';
import { Metrics } from '../../src/http/metrics.js';
import { resolveTls } from '../../src/http/tls.js';

/** The database the suites run on: the run's fresh PostgreSQL database, or in-memory PGlite. */
export function testDatabase(): ConfigInput['database'] {
  const url = inject('databaseUrl');
  return url ? { url, pool_size: 4 } : { embedded_dir: 'memory://' };
}

export const TEST_DOMAIN = { name: 'example.org', base_url: 'https://example.org' };

/** Cheaper argon2id for tests that hash a lot (still argon2id; the production default is tested separately). */
export const FAST_HASH = { memory_kib: 8192, time_cost: 1, parallelism: 1 };

/**
 * The per-client limits of unauthenticated checkid traffic, check_authentication and parked
 * requests, out of the way: suites drive hundreds of requests from one address (127.0.0.1, the
 * fuzzers) to test other things. The suites of the limits themselves set them
 * (test/security/client-limits.spec.ts, test/auth/pending-requests.spec.ts); associate keeps its default.
 */
export const GENEROUS_CLIENT_LIMITS = {
  check_authentication_rate_limit: { burst: 1_000_000, per_second: 1_000_000 },
  checkid_rate_limit: { burst: 1_000_000, per_second: 1_000_000 },
  pending_requests: { max_per_client: 1_000_000 },
};
/** The operator key file of the run (test/global-setup.ts), shared by every test process. */
export function testKeyFile(): string {
  return inject('operatorKeyFile');
}

export function testConfig(input: Partial<ConfigInput> = {}): LoadedConfig {
  const merged: ConfigInput = {
    domains: [TEST_DOMAIN],
    ...input,
    openid: { ...GENEROUS_CLIENT_LIMITS, ...input.openid },
    secrets: { key_file: testKeyFile(), ...input.secrets },
    security: { password_hash: FAST_HASH, ...input.security },
    database: { ...testDatabase(), ...input.database },
    logging: { level: (process.env['TEST_LOG_LEVEL'] as 'info' | undefined) ?? 'silent', ...input.logging },
  };
  return { config: parseConfig(merged, null), file: null };
}

/** A unique username per test, so suites can share one PostgreSQL database. */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface TestApp {
  app: NestFastifyApplication;
  runtime: AppRuntime;
  close(): Promise<void>;
}

/**
 * Boots the real AppModule on Fastify, exactly as main.ts does (same adapter options and HTTP
 * pipeline), without listening unless asked; drive it with app.inject(). `logger`: e.g. one that
 * keeps its lines, to prove what never reaches a log.
 */
export async function bootApp(loaded: LoadedConfig = testConfig(), logger = createRootLogger(loaded.config.logging.level)): Promise<TestApp> {
  const runtime: AppRuntime = { logger, metrics: new Metrics() };
  const tls = await resolveTls(loaded.config, runtime.logger);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(loaded, runtime)] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createAdapter(loaded, tls, runtime.logger), { logger: false });
  configureApp(app, runtime);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, runtime, close: () => app.close() };
}
