// The provider as an operator runs it: the production build (node dist/main.js) in a directory of
// its own, with a configuration file in the real format (config/openid-provider.example.yaml),
// TLS on with the development certificate the provider generates itself (`tls: auto`), and
// PostgreSQL from DATABASE_URL or else the embedded database in that directory. Accounts are
// made with the admin CLI, the password on standard input.

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { soakConfig, type SoakSettings } from './soak.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The provider's process count, as `server.workers` (src/cluster.ts): always written, since the
 * provider's default (`auto`, one per core on PostgreSQL) is not what every pass measures. On the
 * embedded database the provider runs one process whatever it says, so only 1 is accepted there.
 */
export function workerSettings(workers: number, postgres: boolean): string {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers: ${workers} is not a process count`);
  if (workers > 1 && !postgres) throw new Error(`--workers=${workers}: on the embedded database the provider runs one process (server.workers applies on PostgreSQL: set DATABASE_URL)`);
  return `  workers: ${workers}\n`;
}

const LISTENING = '"msg":"openid-provider listening"';

/**
 * How many of the provider's processes have said they listen, from its log: one line per worker
 * (with its `worker` index when there are several; a worker restarted after a crash logs again,
 * so indexes are counted once), or the single process's line without a `worker` field.
 */
export function listeningWorkers(log: string): number {
  const lines = log.split('\n').filter((l) => l.includes(LISTENING));
  const indexes = new Set<string>();
  let unindexed = 0;
  for (const line of lines) {
    const index = /"worker":(\d+)/.exec(line)?.[1];
    if (index === undefined) unindexed += 1;
    else indexes.add(index);
  }
  return indexes.size + unindexed;
}

export interface ProviderSetup {
  repo: string;
  /** Its working directory: configuration, data (certificate, embedded database), log. */
  dir: string;
  port: number;
  /** server.workers for the next start (1 on the embedded database). */
  workers: number;
  /** DATABASE_URL is set: the provider runs on PostgreSQL. */
  postgres: boolean;
  /** Soak mode: short lifetimes and prune interval (bench/soak.ts). */
  soak?: SoakSettings;
}

/**
 * The benchmark's OpenID Connect relying party (W6-auth, W6): a confidential client registered in
 * oidc.clients. Nothing listens at its redirect URI, as at the OpenID 2.0 RP's realm: the codes
 * are read from the Location of each answer, never delivered.
 */
export const BENCH_CLIENT = { clientId: 'bench-rp', clientName: 'Benchmark relying party', redirectUri: 'https://localhost:4443/oidc/callback' } as const;

/** The file of the client's secret (client_secret_file), in the run's directory. */
export function clientSecretPath(setup: Pick<ProviderSetup, 'dir'>): string {
  return join(setup.dir, 'oidc-client.secret');
}

/**
 * The client's secret, made on the first call of the run (random, 256 bits: the provider wants at
 * least 32 characters, RFC 6749 §10.10), in a file only this user reads.
 */
export function clientSecret(setup: Pick<ProviderSetup, 'dir'>): string {
  const path = clientSecretPath(setup);
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  return readFileSync(path, 'utf8').trim();
}

export function writeProviderConfig(setup: ProviderSetup): string {
  const path = join(setup.dir, 'openid-provider.yaml');
  const soak = setup.soak ? soakConfig(setup.soak) : { openid: '', database: '' };
  clientSecret(setup);
  writeFileSync(
    path,
    `# Written by bench/run.ts: the defaults an operator starts from, on this machine.
domains:
  - name: localhost
    base_url: https://localhost:${setup.port}
server:
  host: 127.0.0.1
  port: ${setup.port}
  tls: auto
${workerSettings(setup.workers, setup.postgres)}# The benchmark's relying party publishes no XRDS (nothing listens at its realm), and an "Always
# allow" grant answers by itself only for a return_to the RP's discovery vouches for (OpenID 2.0
# §9.2.1): with verification off, W3/W5 run the grant path they always measured (before that rule,
# warn mode never ran discovery for a trusted immediate request either).
realm:
  return_to_verification: off
# The workloads measure the work itself: the per-address limits (DoS guards, e.g. associate's
# burst of 100 then 20/s) would refuse a load generator that sends everything from one address.
openid:
  associate_rate_limit: { burst: 1000000, per_second: 1000000 }
  check_authentication_rate_limit: { burst: 1000000, per_second: 1000000 }
  checkid_rate_limit: { burst: 1000000, per_second: 1000000 }
  pending_requests: { max_per_client: 1000000 }
${soak.openid}# The relying party of W6-auth and W6 (client_secret_basic; the secret in a file beside this one).
oidc:
  clients:
    - client_id: ${BENCH_CLIENT.clientId}
      client_name: ${JSON.stringify(BENCH_CLIENT.clientName)}
      redirect_uris: [${JSON.stringify(BENCH_CLIENT.redirectUri)}]
      client_secret_file: ${JSON.stringify(clientSecretPath(setup))}
  # W6 spends each code once, after W6-auth made it: behind a warm-up, an unmeasured top-up run of
  # W6-auth and W6's own run, the oldest can be older than the default 60 s (more so with a longer
  # --duration). How long a code lives does not change what its exchange costs.
  lifetimes:
    code: 10m
${soak.database}data_dir: ./data
`,
  );
  return path;
}

export interface RunningProvider {
  base: string;
  process: ChildProcess;
  logPath: string;
  certPath: string;
  keyPath: string;
  cert: Buffer;
  stop(): Promise<number | null>;
}

function env(configPath: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // The provider reads OPENID_PROVIDER_CONFIG and DATABASE_URL (and LOG_LEVEL, left alone).
  const e: NodeJS.ProcessEnv = { ...process.env, OPENID_PROVIDER_CONFIG: configPath, ...extra };
  delete e['NODE_OPTIONS'];
  return e;
}

/**
 * Starts node dist/main.js (with `nodeArgs`, e.g. --cpu-prof; with several workers node:cluster
 * passes them on to every worker) and waits until all `setup.workers` processes listen.
 */
export async function startProvider(setup: ProviderSetup, nodeArgs: string[] = [], logName = 'provider.log', extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningProvider> {
  const configPath = writeProviderConfig(setup);
  const keys = keptOperatorKeys(setup);
  if (keys && existsSync(keys.kept) && !existsSync(keys.run)) {
    mkdirSync(dirname(keys.run), { recursive: true, mode: 0o700 });
    copyFileSync(keys.kept, keys.run);
  }
  const logPath = join(setup.dir, logName);
  const log = openSync(logPath, 'w');
  const child = spawn(process.execPath, [...nodeArgs, join(setup.repo, 'dist/main.js')], { cwd: setup.dir, env: env(configPath, extraEnv), stdio: ['ignore', log, log] });
  closeSync(log);
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve((exited = code))));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the provider exited with ${exited} while starting; see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
    if (listeningWorkers(readFileSync(logPath, 'utf8')) >= setup.workers) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the provider did not start its ${setup.workers} worker(s) within 180 s (${listeningWorkers(readFileSync(logPath, 'utf8'))} listening); see ${logPath}`);
    }
    await sleep(100);
  }
  if (keys && !existsSync(keys.kept) && existsSync(keys.run)) {
    mkdirSync(dirname(keys.kept), { recursive: true, mode: 0o700 });
    copyFileSync(keys.run, keys.kept);
  }
  const certPath = join(setup.dir, 'data/tls/cert.pem');
  const keyPath = join(setup.dir, 'data/tls/key.pem');
  if (!existsSync(certPath)) throw new Error(`no certificate at ${certPath}`);
  return {
    base: `https://localhost:${setup.port}`,
    process: child,
    logPath,
    certPath,
    keyPath,
    cert: readFileSync(certPath),
    stop: () => stopChild(child, exit, 30_000),
  };
}

/**
 * On PostgreSQL the database outlives the run's directory, and what the provider stored sealed
 * in it (the private-association derivation key, the OpenID Connect signing keys) opens only with
 * the operator key file of the run that made it: the file is kept per database, under
 * ~/.cache/openid-provider-bench/, and put back into the next run's data directory (mode 0600
 * both), so that `npm run bench` can run again on the same DATABASE_URL. Absent on the embedded
 * database, which lives in the run's directory.
 */
function keptOperatorKeys(setup: ProviderSetup): { kept: string; run: string } | undefined {
  const url = process.env['DATABASE_URL'];
  if (!setup.postgres || !url) return undefined;
  const id = createHash('sha256').update(url).digest('hex').slice(0, 16);
  return { kept: join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'openid-provider-bench', id, 'operator.keys'), run: join(setup.dir, 'data/secrets/operator.keys') };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopChild(child: ChildProcess, exit: Promise<number | null>, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exit;
  clearTimeout(timer);
  return code;
}

/** Runs the admin CLI (node dist/cli.js ...) beside the server, `stdin` as its input. */
export function cli(setup: ProviderSetup, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const configPath = join(setup.dir, 'openid-provider.yaml');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(setup.repo, 'dist/cli.js'), ...args], { cwd: setup.dir, env: env(configPath), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
