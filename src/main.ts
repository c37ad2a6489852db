import 'reflect-metadata';
import './oidc/runtime-warning.js';
import cluster from 'node:cluster';
import { createApp, createRuntime } from './app.factory.js';
import { isFirstWorker, superviseWorkers, workerCount, workerIndex } from './cluster.js';
import { firstAccountCommands } from './cli/first-account.js';
import { ConfigError, loadConfig } from './config/config.loader.js';
import { EmbeddedDatabaseInUse, shareEmbedded } from './database/embedded.js';
import { describeDatabase } from './database/data-source.js';
import { resolveTls } from './http/tls.js';
import { OidcClientError } from './oidc/oidc-clients.js';
import { openKeyRing } from './secrets/open-key-ring.js';
import { UsersService } from './users/users.service.js';

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`openid-provider: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { config } = loaded;
  const workers = workerCount(config);
  let runtime = createRuntime(loaded);
  if (cluster.isPrimary) {
    runtime.logger.info({ config: loaded.file ?? 'built-in development defaults', database: describeDatabase(config).description }, 'configuration loaded');
    if (workers > 1) {
      // The development certificate and key file are generated once, here, before the workers read them.
      await resolveTls(config, runtime.logger);
      openKeyRing(config, { info: (m) => runtime.logger.info(m), warn: (m) => runtime.logger.warn(m) });
      superviseWorkers(workers, runtime.logger, config.server.shutdown_grace);
      return;
    }
    if (!config.database.url && config.server.workers !== 1) {
      runtime.logger.info('embedded database: one process serves every request (server.workers applies on PostgreSQL)');
    }
  } else {
    runtime = { ...runtime, logger: runtime.logger.child({ worker: workerIndex() }) };
  }
  const log = runtime.logger;
  const { app, tls } = await createApp(loaded, runtime);
  // Migrations are applied by now: from here on the admin CLI and the migration commands may
  // reach the embedded database through this process.
  if (!config.database.url) {
    const socket = await shareEmbedded(config.database.embedded_dir);
    if (socket) log.info({ socket }, 'embedded database shared with the admin CLI on a Unix socket (owner only)');
    else if (!config.database.embedded_dir.startsWith('memory://')) log.warn('embedded database not shared (socket path too long): stop the server to use the admin CLI');
  }

  if (!config.security.https_only) {
    log.warn('security.https_only is OFF: credentials and OpenID assertions may cross the network in clear. Never run like this outside a laptop.');
  } else if (!tls && config.server.trusted_proxies.length === 0) {
    log.warn('plain HTTP listener with https_only on and no trusted_proxies: every OpenID, login and account request will be refused (403 tls_required). Configure server.tls or server.trusted_proxies.');
  }
  if (tls && isFirstWorker()) log.info({ certPath: tls.certPath, fingerprint256: tls.fingerprint256 }, 'TLS certificate');

  await app.listen(config.server.port, config.server.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  log.info({ scheme: tls ? 'https' : 'http', host: config.server.host, port, domains: config.domains.map((d) => d.base_url), pid: process.pid }, 'openid-provider listening');
  if (isFirstWorker() && !(await app.get(UsersService).hasAnyAccount())) {
    const where = config.database.url ? ' (with the same DATABASE_URL or database.url)' : '';
    for (const command of firstAccountCommands(loaded)) log.info(`no account yet: create one with${where}: ${command}`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceSeconds: config.server.shutdown_grace }, 'shutting down: finishing in-flight requests');
    setTimeout(() => {
      log.error('shutdown grace period over: exiting with requests still open');
      process.exit(1);
    }, config.server.shutdown_grace * 1000).unref();
    app.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof EmbeddedDatabaseInUse) {
    process.stderr.write(`openid-provider: ${error.message}\n`);
    process.exit(3);
  }
  if (error instanceof OidcClientError) {
    // A client's secret file is part of the configuration: the same exit as a bad option.
    process.stderr.write(`openid-provider: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`openid-provider: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
