import { connect, Socket as NetSocket, type Socket } from 'node:net';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type AppRuntime } from '../../src/app.module.js';
import { configureApp, createAdapter } from '../../src/app.factory.js';
import type { LoadedConfig } from '../../src/config/config.loader.js';
import { createRootLogger } from '../../src/http/logger.js';
import { Metrics } from '../../src/http/metrics.js';
import { resolveTls } from '../../src/http/tls.js';
import { Dialer, type DialTarget } from '../../src/realm/dialer.js';
import { HostResolver } from '../../src/realm/host-resolver.js';
import type { TestApp } from '../helpers/test-app.js';

// Shared by the security suites: the real AppModule booted as bootApp does, with the two network
// seams of relying-party discovery replaced (HostResolver: DNS; Dialer: every outbound socket),
// so that a suite can say which names resolve where and see every connection the provider tried.

/**
 * A Dialer that records every connection asked for and reaches only the "internet" it is given:
 * a public address (as the fake DNS hands it out) mapped to a local test server's port. Any other
 * dial fails with ECONNREFUSED without a socket being opened anywhere.
 */
export class RecordingDialer extends Dialer {
  readonly dials: DialTarget[] = [];

  constructor(private readonly internet: ReadonlyMap<string, number> = new Map()) {
    super();
  }

  override dial(target: DialTarget): Socket {
    this.dials.push(target);
    const address = target.addresses[0]?.address ?? '';
    const local = this.internet.get(`${address}:${target.port}`);
    if (local === undefined || target.tls) {
      // Fails like a refused connection, asynchronously as a real one would, and never connects.
      const socket = new NetSocket();
      process.nextTick(() => socket.destroy(Object.assign(new Error(`connect ECONNREFUSED ${address}:${target.port}`), { code: 'ECONNREFUSED' })));
      return socket;
    }
    return connect({ host: '127.0.0.1', port: local });
  }

  /** Addresses dialled so far. */
  addresses(): string[] {
    return this.dials.flatMap((d) => d.addresses.map((a) => a.address));
  }
}

/** Boots the app like bootApp, with the resolver and dialer given. */
export async function bootWithNetwork(loaded: LoadedConfig, network: { resolver?: Pick<HostResolver, 'resolve'>; dialer?: Dialer }): Promise<TestApp> {
  const runtime: AppRuntime = { logger: createRootLogger(loaded.config.logging.level), metrics: new Metrics() };
  const tls = await resolveTls(loaded.config, runtime.logger);
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(loaded, runtime)] });
  if (network.resolver) builder = builder.overrideProvider(HostResolver).useValue(network.resolver);
  if (network.dialer) builder = builder.overrideProvider(Dialer).useValue(network.dialer);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createAdapter(loaded, tls, runtime.logger), { logger: false });
  configureApp(app, runtime);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, runtime, close: () => app.close() };
}
