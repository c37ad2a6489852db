// `npm run bench`: the load benchmark of issue 10, in one run on this machine.
//
//   1. microbenchmarks of the raw limits (DH-SHA256 associate maths one core / all cores, the
//      provider's own DH code, HMAC-SHA256 of 400 bytes, an RS256 ID token signature), before any
//      server runs;
//   2. the production build started as an operator starts it (bench/provider.ts), a bare Fastify
//      "hello" process with the same TLS settings (W0), an account made with the admin CLI, a
//      sign-in through the real forms with allow_always for the realm, and the same person's
//      allow_always for the OpenID Connect client (bench/workloads.ts);
//   3. one checked request of each workload, then wrk at a fixed connection count: warm-up, then
//      the measured run, for W0-W6 (bench/wrk/*.lua count every unexpected status or body);
//   4. optionally: the provider under node --cpu-prof (--profile), and Net::OpenID::Server behind
//      nginx (--peer) through the same workloads;
//   5. results: bench/results/<timestamp>.json, latest.json, latest.md, docs/performance.md and
//      its chart. --smoke (CI) runs each workload for ~2 s, writes nothing, and exits 1 on any error.
//
// Nothing secret is printed: the password goes to the CLI on stdin; the session cookies and the
// Connect client's secret go to wrk in files of the run's private directory.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type CpuPerRequest, cpuPerRequest, cpuSnapshot } from './cpu.js';
import { runMicrobenchmarks } from './micro.js';
import { type DbCount, PgCounter } from './pg-counter.js';
import { type BenchOptions, parseOptions, WORKLOAD_IDS, type WorkloadId } from './options.js';
import { ensurePeerPackages, startPeer } from './peer.js';
import { loadProfile, profileWindow, type WindowProfile } from './profile.js';
import { BENCH_CLIENT, cli, clientSecret, freePort, type ProviderSetup, type RunningProvider, sleep, startProvider, stopChild } from './provider.js';
import { seedUsersAndGrants } from './seed.js';
import { countsConnection, rowCounts, soak, SOAK_PHASE_SECONDS, SOAK_SETTINGS, type SoakResult, soakMarkdown, writeSoak } from './soak.js';
import { type BenchResults, markdownReport, readLatest, type TargetResult, updateDocs, type WorkloadResult, writeMarkdown, writeResults } from './report.js';
import { authorizationPath } from './oidc-rp.js';
import { authoriseOidc, badW5Signatures, checkidImmediatePath, DESCRIPTIONS, identifierPath, prepare, prepareW4, prepareW6, recorded, signIn, type Target } from './workloads.js';
import { runWrk, type WrkRun, wrkVersion } from './wrk.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const luaDir = join(repo, 'bench/wrk');

/**
 * The relying party. Nothing listens there: the provider runs with
 * `realm.return_to_verification: off` (bench/provider.ts says why), so it never tries to discover
 * it (and would refuse to: localhost is loopback, SSRF guard). No request of the benchmark
 * leaves the machine.
 */
const REALM = 'https://localhost:4443/';
const RETURN_TO = 'https://localhost:4443/openid/return';

const SCRIPTS: Record<WorkloadId, string> = { W0: 'w0.lua', Wf: 'wf.lua', W1: 'w1.lua', 'W2-dh': 'w2.lua', 'W2-plain': 'w2.lua', W3: 'w3.lua', W4: 'w4.lua', W5: 'w5.lua', 'W6-auth': 'w6-auth.lua', W6: 'w6.lua' };

/** Workloads that record each answer (file prefix `<prefix>-<phase>`): the input of a single-use one. */
const RECORDS: Partial<Record<WorkloadId, string>> = { W3: 'w3', 'W6-auth': 'w6-auth' };

/**
 * Single-use workloads: each sends every answer its source recorded once (W4: W3's assertions to
 * check_authentication; W6: W6-auth's codes to the token endpoint), from per-thread lists.
 */
const SPENDS: Partial<Record<WorkloadId, { source: WorkloadId; what: string; prepare: typeof prepareW4 }>> = {
  W4: { source: 'W3', what: 'assertions', prepare: prepareW4 },
  W6: { source: 'W6-auth', what: 'codes', prepare: prepareW6 },
};

function workersLabel(workers: number): string {
  return `${workers} worker${workers === 1 ? '' : 's'}`;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

async function startHello(certPath: string, keyPath: string): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(repo, 'dist-bench/hello-server.js'), certPath, keyPath, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await new Promise<void>((resolveReady, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('listening') && resolveReady());
    child.once('exit', (code) => reject(new Error(`hello-server exited with ${code}`)));
  });
  return { base: `https://localhost:${port}`, pid: child.pid!, stop: async () => void (await stopChild(child, exit, 5000)) };
}

/** wrk's arguments for a workload (after the data directory), by phase. */
type Phase = 'warm' | 'run' | 'extra';

function workloadArgs(target: Target, id: WorkloadId, phase: Phase): string[] {
  switch (id) {
    case 'W0':
    case 'Wf':
      return [];
    case 'W1':
      return [identifierPath(target)];
    case 'W2-dh':
      return ['w2-dh.txt', 'dh'];
    case 'W2-plain':
      return ['w2-plain.txt', 'plain'];
    case 'W3':
      return [checkidImmediatePath(target), `w3-${phase}`];
    case 'W4':
      return [`w4-${phase}`];
    case 'W5': {
      const args = [checkidImmediatePath(target, target.association!.handle), target.w5HandleInLocation!];
      return phase === 'run' ? [...args, 'w5-sample'] : args;
    }
    case 'W6-auth':
      return [authorizationPath(target.oidc!), target.oidc!.redirectUri, `w6-auth-${phase}`];
    case 'W6':
      return [`w6-${phase}`];
  }
}

/** The recorded files a run of `id` spends (W4, W6) or starts afresh (W3, W6-auth): the measured run's with any top-up's. */
function phasePrefixes(prefix: string, phase: Phase): string[] {
  return phase === 'run' ? [`${prefix}-run`, `${prefix}-extra`] : [`${prefix}-${phase}`];
}

interface Runner {
  options: BenchOptions;
  helloBase: string;
  helloPid: number;
}

async function runOne(runner: Runner, target: Target, id: WorkloadId, phase: Phase, seconds: number): Promise<WrkRun & { cpu?: CpuPerRequest }> {
  // Recorded answers are single-use: a new W3 or W6-auth (or W5) run starts its files afresh.
  const records = RECORDS[id];
  const stale = records ? phasePrefixes(records, phase).map((p) => `${p}-`) : id === 'W5' ? ['w5-sample-'] : [];
  for (const f of readdirSync(target.dataDir).filter((n) => stale.some((p) => n.startsWith(p)))) rmSync(join(target.dataDir, f));
  const spends = SPENDS[id];
  if (spends) {
    const count = spends.prepare(target, phasePrefixes(RECORDS[spends.source]!, phase), `${id.toLowerCase()}-${phase}`, runner.options.threads);
    if (phase === 'run') log(`    ${count} ${spends.what} (${spends.source}'s measured run and any top-up), each sent once`);
  }
  const url = id === 'W0' ? `${runner.helloBase}/hello` : target.base;
  const roots = id === 'W0' ? [runner.helloPid] : target.pids();
  const before = cpuSnapshot(roots);
  const run = await runWrk({ script: join(luaDir, SCRIPTS[id]), url, args: [target.dataDir, ...workloadArgs(target, id, phase)], seconds, connections: runner.options.connections, threads: runner.options.threads });
  const after = cpuSnapshot(roots);
  return { ...run, cpu: cpuPerRequest(before, after, run.wrkCpuSeconds * 100, run.requests, run.seconds, availableParallelism()) };
}

function summary(run: WrkRun): string {
  const errors = run.errors ? ` ERRORS ${run.errors}${run.firstError ? ` (first: ${run.firstError.slice(0, 160)})` : ''}` : ' errors 0';
  return `${run.requestsPerSecond.toFixed(0)} req/s, p50 ${run.latencyMs.p50.toFixed(2)} ms, p99 ${run.latencyMs.p99.toFixed(2)} ms, ${run.requests} requests in ${run.seconds.toFixed(1)} s${run.exhausted ? ' (its single-use list ran out)' : ''};${errors}`;
}

/**
 * W4 (W6) sends each assertion (code) once, so its run lasts as long as W3's (W6-auth's) run
 * supplied them. When that is clearly shorter than --duration (the spender is the faster), an
 * unmeasured run of the source makes more.
 */
async function topUp(runner: Runner, target: Target, id: WorkloadId, rate: number, source?: WorkloadResult): Promise<void> {
  const spends = SPENDS[id]!;
  const have = recorded(target, `${RECORDS[spends.source]!}-run`).length;
  const needed = Math.ceil(rate * runner.options.duration * 1.2);
  if (!source || have >= needed) return;
  const seconds = Math.min(3 * runner.options.duration, Math.ceil((needed - have) / source.requestsPerSecond));
  const extra = await runOne(runner, target, spends.source, 'extra', seconds);
  if (extra.errors > 0) throw new Error(`generating ${id}'s ${spends.what}: ${extra.errors} ${spends.source} error(s): ${extra.firstError}`);
  log(`    ${extra.requests} more ${spends.what} from an unmeasured ${spends.source} run of ${seconds} s`);
}

async function runTarget(runner: Runner, target: Target, w0?: WorkloadResult): Promise<{ workloads: WorkloadResult[]; warmupErrors: number }> {
  const { options } = runner;
  const workloads: WorkloadResult[] = [];
  let warmupErrors = 0;
  let ceiling = w0;
  for (const id of WORKLOAD_IDS.filter((w) => options.only.includes(w))) {
    // W0 is measured once, in the first pass; later passes and the peer are compared with it.
    if (id === 'W0' && (target.name !== 'provider' || w0)) continue;
    // Wf measures this provider's own pipeline; the peer's has no such route.
    if (id === 'Wf' && target.name !== 'provider') continue;
    if (id === 'W2-plain' && !target.plainAssociate) {
      log(`  ${id}: not offered by ${target.name} (no-encryption associations in OpenID 2.0)`);
      continue;
    }
    if ((id === 'W6-auth' || id === 'W6') && !target.oidc) {
      log(`  ${id}: not offered by ${target.name} (no OpenID Connect)`);
      continue;
    }
    log(`  ${id}: ${id === 'W2-dh' ? `associate ${target.dhSession}, ${target.dhAssocType}, spec default modulus` : DESCRIPTIONS[id]}`);
    let warmRate = 0;
    if (options.warmup > 0) {
      const warm = await runOne(runner, target, id, 'warm', options.warmup);
      warmupErrors += warm.errors;
      warmRate = warm.requestsPerSecond;
      log(`    warm-up  ${summary(warm)}`);
    }
    const spends = SPENDS[id];
    if (spends && !options.smoke && warmRate > 0) await topUp(runner, target, id, warmRate, workloads.find((w) => w.id === spends.source));
    const run = await runOne(runner, target, id, 'run', options.duration);
    const result: WorkloadResult = { id, description: DESCRIPTIONS[id], ...run };
    if (id === 'W5') {
      const sample = badW5Signatures(target, 'w5-sample');
      if (sample.bad > 0) {
        result.errors += sample.bad;
        result.unexpected += sample.bad;
        result.firstError ||= `${sample.bad} of ${sample.checked} sampled assertions fail the RP's signature check`;
      }
      log(`    ${sample.checked - sample.bad} of ${sample.checked} sampled W5 assertions verified with the RP's decrypted MAC key`);
    }
    if (id === 'W2-dh' && target.dhSession !== 'DH-SHA256') result.note = `(${target.dhSession}, ${target.dhAssocType}: its only DH session)`;
    if (id === 'W0') ceiling = result;
    else if (ceiling) result.ratioToW0 = result.requestsPerSecond / ceiling.requestsPerSecond;
    log(`    measured ${summary(run)}`);
    workloads.push(result);
    await sleep(300);
  }
  return { workloads, warmupErrors };
}

/**
 * PostgreSQL only: the provider restarted behind a counting relay (pg-counter.ts), each workload
 * for a second on one connection, and the statements it sent per request.
 */
async function countDatabase(runner: Runner, setup: ProviderSetup, target: Target, databaseUrl: string): Promise<Map<WorkloadId, DbCount>> {
  const counter = new PgCounter();
  const relay = await counter.start(databaseUrl);
  log('\ndatabase round trips: the provider (1 worker) restarted behind a counting relay, each workload for 1 s on one connection');
  // One process: the count per request does not depend on how many share the load.
  const provider = await startProvider({ ...setup, workers: 1 }, [], 'provider-count.log', { DATABASE_URL: relay });
  const counts = new Map<WorkloadId, DbCount>();
  const single: Runner = { ...runner, options: { ...runner.options, connections: 1, threads: 1 } };
  try {
    for (const id of WORKLOAD_IDS.filter((w) => w !== 'W0' && w !== 'Wf' && runner.options.only.includes(w))) {
      counter.reset();
      const run = await runOne(single, target, id, 'run', 1);
      if (run.errors > 0) throw new Error(`${id}: ${run.errors} error(s) in the counting pass: ${run.firstError}`);
      const count = counter.read(run.requests);
      counts.set(id, count);
      log(`  ${id}: ${count.roundTripsPerRequest} round trips, ${count.statementsPerRequest} statements per request: ${count.statements.map((c) => `${c.label} ${c.perRequest}`).join(', ')}`);
    }
  } finally {
    await provider.stop();
    await counter.stop();
  }
  if (counter.unreadable) throw new Error('the database connection is encrypted: the relay cannot count (use a DATABASE_URL without TLS for the benchmark)');
  return counts;
}

async function profileProvider(runner: Runner, setup: ProviderSetup, target: Target): Promise<Partial<Record<WorkloadId, WindowProfile>>> {
  const { options } = runner;
  const dir = join(setup.dir, 'profile');
  mkdirSync(dir, { recursive: true });
  log(`\nprofile: the provider (1 worker) under node --cpu-prof, ${options.profile.join(', ')}`);
  // One process, so one profile holds every request (with several, node:cluster would hand
  // --cpu-prof to each worker and each profile would see part of the load).
  const provider = await startProvider({ ...setup, workers: 1 }, ['--cpu-prof', `--cpu-prof-dir=${dir}`], 'provider-profile.log');
  const windows = new Map<WorkloadId, { from: number; to: number }>();
  try {
    // A single-use workload spends what its source records: the source runs first, profiled or not.
    const needed = WORKLOAD_IDS.filter((id) => options.profile.includes(id) || Object.entries(SPENDS).some(([spender, s]) => s.source === id && options.profile.includes(spender as WorkloadId)));
    for (const id of needed) {
      if (options.warmup > 0) await runOne(runner, target, id, 'warm', Math.min(options.warmup, 1));
      const from = Number(process.hrtime.bigint() / 1000n);
      const run = await runOne(runner, target, id, 'run', options.duration);
      const to = Math.min(Number(process.hrtime.bigint() / 1000n), from + Math.round(run.seconds * 1e6));
      if (options.profile.includes(id)) windows.set(id, { from, to });
      log(`  ${id} profiled: ${summary(run)}`);
    }
  } finally {
    await provider.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile was written in ${dir}`);
  const profile = loadProfile(join(dir, file));
  const profiles: Partial<Record<WorkloadId, WindowProfile>> = {};
  for (const [id, w] of windows) {
    profiles[id] = profileWindow(profile, w.from, w.to, repo);
    const top = profiles[id].selfTop.slice(0, 5).map((f) => `${f.name} ${f.percent}%`).join(', ');
    log(`  ${id}: busy ${(100 - profiles[id].idlePercent).toFixed(0)}%; top self time: ${top}`);
  }
  return profiles;
}

/** --seed=N: the accounts and grants of bench/seed.ts, in the database the provider has just migrated. */
async function seed(databaseUrl: string, count: number): Promise<void> {
  log(`  seeding ${count} accounts with one trust grant each (bench/seed.ts)`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const added = await seedUsersAndGrants(client, count, { log });
    const total = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM "users"')).rows[0]!.n;
    log(`  seeded in ${added.seconds.toFixed(0)} s: ${added.users} accounts and ${added.grants} grants added (${total} accounts in the database)`);
  } finally {
    await client.end();
  }
}

/** --soak: rounds of W3, W4 and W2-plain, row counts of the pruned tables (bench/soak.ts); answers whether it failed. */
async function soakMode(runner: Runner, target: Target, pgliteDir: string, databaseUrl: string | undefined, startedAt: string): Promise<boolean> {
  const { options } = runner;
  log(`\nsoak: ${options.soak} s of W3, W4 and W2-plain in rounds of ${SOAK_PHASE_SECONDS} s each, ${options.connections} connections; prune_interval ${SOAK_SETTINGS.pruneInterval}s`);
  const connection = countsConnection(databaseUrl, pgliteDir);
  const measured = await soak(options.soak, (id, seconds) => runOne(runner, target, id, 'run', seconds), () => rowCounts(connection), log, sleep);
  const result: SoakResult = {
    schema: 1,
    mode: 'soak',
    startedAt,
    commit: commit(),
    database: databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded (PGlite)',
    settings: { ...SOAK_SETTINGS, phaseSeconds: SOAK_PHASE_SECONDS, connections: options.connections },
    ...measured,
  };
  log(`\n${soakMarkdown(result)}\n`);
  if (options.write) {
    const written = writeSoak(result, resolve(repo, options.resultsDir));
    log(`results: ${written.json}, ${written.markdown}`);
  }
  if (result.errors > 0) log(`FAILED: ${result.errors} error(s) during the soak`);
  return result.errors > 0;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.render) {
    const dir = resolve(repo, options.resultsDir);
    const latest = readLatest(dir);
    log(`markdown: ${writeMarkdown(latest, dir)}`);
    if (options.docs) updateDocs(latest, repo);
    log(`${markdownReport(latest)}\n`);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg();
  const wrk = wrkVersion();
  if (!wrk) throw new Error('wrk is not installed (Debian: apt-get install wrk)');
  const machine = {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart,
    loadAverageAtEnd: [] as number[],
    node: `Node ${process.version}`,
    wrk,
    os: `${type()} ${release()}`,
  };
  log(`openid-provider benchmark (${options.smoke ? 'smoke' : options.soak > 0 ? 'soak' : 'full'}): ${machine.cores} cores, load average ${loadAverageAtStart.map((n) => n.toFixed(2)).join(' ')}`);
  if (loadAverageAtStart[0]! > machine.cores * 0.5) log(`  note: the machine is busy (load ${loadAverageAtStart[0]!.toFixed(2)} on ${machine.cores} cores): figures will be low`);

  if (options.soak === 0) log('\nmicrobenchmarks (raw limits)');
  const micro = options.soak > 0 ? [] : await runMicrobenchmarks(options.microSeconds, repo);
  const dhLimitOneCore = micro.find((m) => m.name === 'dh-sha256-1core')?.opsPerSecond ?? 0;
  const rs256LimitOneCore = micro.find((m) => m.name === 'rs256-sign-1core')?.opsPerSecond;

  const work = mkdtempSync(join(tmpdir(), 'openid-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  let keep = true;
  const databaseUrl = process.env['DATABASE_URL'];
  const setup: ProviderSetup = { repo, dir: work, port: await freePort(), workers: options.workers[0]!, postgres: Boolean(databaseUrl), soak: options.soak > 0 ? SOAK_SETTINGS : undefined };
  const user = `bench${randomBytes(3).toString('hex')}`;
  try {
    log(`\nprovider: node dist/main.js in ${work}, ${workersLabel(setup.workers)} (passes: ${options.workers.map(workersLabel).join(', ')}), ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded database'}, TLS with a generated certificate`);
    let provider: RunningProvider | undefined = await startProvider(setup);
    cleanups.push(async () => provider && (await provider.stop()));
    const hello = await startHello(provider.certPath, provider.keyPath);
    cleanups.push(() => hello.stop());

    const password = randomBytes(18).toString('base64url');
    const added = await cli(setup, ['user', 'add', user, '--domain', 'localhost', '--email', `${user}@example.org`, '--fullname', 'Bench User', '--password-stdin'], `${password}\n`);
    if (added.code !== 0) throw new Error(`cli user add: exit ${added.code}: ${added.stderr.trim()}`);
    if (databaseUrl) cleanups.push(() => cli(setup, ['user', 'remove', user, '--domain', 'localhost']));
    log(`  ${added.stdout.trim()}`);
    if (options.seed > 0 && databaseUrl) await seed(databaseUrl, options.seed);

    const target: Target = {
      name: 'provider',
      base: provider.base,
      ca: provider.cert,
      user,
      identifier: `${provider.base}/openid/${user}`,
      realm: REALM,
      returnTo: RETURN_TO,
      dataDir: join(work, 'wrk-provider'),
      dhSession: 'DH-SHA256',
      dhAssocType: 'HMAC-SHA256',
      plainAssociate: true,
      // The provider of the current pass, with its cluster workers.
      pids: () => (provider ? [provider.process.pid!] : []),
      oidc: { clientId: BENCH_CLIENT.clientId, secret: clientSecret(setup), redirectUri: BENCH_CLIENT.redirectUri, verifier: randomBytes(32).toString('base64url'), state: randomBytes(12).toString('base64url') },
    };
    const cookie = await signIn(target, password);
    log(`  signed in through the login and consent forms (allow_always for ${REALM})`);
    let oidcCookie: string | undefined;
    if (options.only.includes('W6-auth')) {
      oidcCookie = await authoriseOidc(target, cookie);
      log(`  authorised the OpenID Connect client ${BENCH_CLIENT.clientId} through the consent page (allow_always); its first code exchanged and the ID token verified`);
    }
    const notes = await prepare(target, cookie, options.only, oidcCookie);
    log(`  one request of each workload checked${notes.length ? `; ${notes.join('; ')}` : ''}`);

    const runner: Runner = { options, helloBase: hello.base, helloPid: hello.pid };
    if (options.soak > 0) {
      const failed = await soakMode(runner, target, join(work, 'data/pglite'), databaseUrl, startedAt);
      keep = failed;
      return failed ? 1 : 0;
    }
    const targets: TargetResult[] = [];
    let warmupErrors = 0;
    let w0: WorkloadResult | undefined;
    for (const [pass, workers] of options.workers.entries()) {
      if (pass > 0) {
        // The same directory, port, database, account and session: only server.workers changes.
        await provider?.stop();
        provider = undefined;
        setup.workers = workers;
        provider = await startProvider(setup, [], `provider-${workers}w.log`);
        const again = await prepare(target, cookie, options.only, oidcCookie);
        log(`\nprovider restarted with ${workersLabel(workers)}; one request of each workload checked again${again.length ? `; ${again.join('; ')}` : ''}`);
      }
      log(`\nload (${workersLabel(workers)}): wrk, ${options.connections} connections, ${options.threads} threads, warm-up ${options.warmup} s, measured ${options.duration} s`);
      const measured = await runTarget(runner, target, w0);
      w0 ??= measured.workloads.find((w) => w.id === 'W0');
      targets.push({ name: 'provider', label: `openid-provider (${workersLabel(workers)})`, workers, workloads: measured.workloads, notes });
      warmupErrors += measured.warmupErrors;
    }

    if (databaseUrl && !options.smoke) {
      await provider.stop();
      provider = undefined;
      const counts = await countDatabase(runner, setup, target, databaseUrl);
      for (const t of targets) for (const w of t.workloads) w.db = counts.get(w.id);
    }

    let profiles: Partial<Record<WorkloadId, WindowProfile>> = {};
    if (options.profile.length > 0) {
      await provider?.stop();
      provider = undefined;
      profiles = await profileProvider(runner, setup, target);
    }

    if (options.peer) {
      log('\npeer: Net::OpenID::Server, Starman (2 workers) behind nginx TLS');
      ensurePeerPackages();
      const peerData = join(work, 'wrk-peer');
      mkdirSync(peerData, { recursive: true, mode: 0o700 });
      const peerCookie = `op_session=${randomBytes(24).toString('base64url')}`;
      writeFileSync(join(peerData, 'cookie'), `${peerCookie}\n`, { mode: 0o600 });
      const tls = { certPath: join(work, 'data/tls/cert.pem'), keyPath: join(work, 'data/tls/key.pem') };
      const peer = await startPeer({ repo, dir: work, ...tls, user, realm: REALM, cookieFile: join(peerData, 'cookie') });
      cleanups.push(() => peer.stop());
      const peerTarget: Target = { ...target, name: 'peer', base: peer.base, identifier: `${peer.base}/openid/${user}`, dataDir: peerData, dhSession: 'DH-SHA1', dhAssocType: 'HMAC-SHA1', plainAssociate: false, association: undefined, oidc: undefined, pids: () => peer.pids };
      const peerNotes = await prepare(peerTarget, peerCookie, options.only);
      log(`  one request of each workload checked${peerNotes.length ? `; ${peerNotes.join('; ')}` : ''}`);
      const peerRun = await runTarget(runner, peerTarget, w0);
      warmupErrors += peerRun.warmupErrors;
      targets.push({ name: 'peer', label: 'Net::OpenID::Server', workers: 2, workloads: peerRun.workloads, notes: peerNotes });
    }

    for (const t of targets) {
      const dh = t.workloads.find((w) => w.id === 'W2-dh');
      if (dh) dh.ratioToDhLimit = dh.requestsPerSecond / dhLimitOneCore;
      const w6 = t.workloads.find((w) => w.id === 'W6');
      if (w6 && rs256LimitOneCore) w6.ratioToSignLimit = w6.requestsPerSecond / rs256LimitOneCore;
    }
    const errors = warmupErrors + targets.flatMap((t) => t.workloads).reduce((n, w) => n + w.errors, 0);
    const results: BenchResults = {
      schema: 1,
      mode: options.smoke ? 'smoke' : 'full',
      startedAt,
      finishedAt: new Date().toISOString(),
      commit: commit(),
      machine: { ...machine, loadAverageAtEnd: loadavg() },
      settings: {
        connections: options.connections,
        threads: options.threads,
        durationSeconds: options.duration,
        warmupSeconds: options.warmup,
        database: databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded (PGlite)',
        tls: 'TLS 1.2+, the provider-generated EC P-256 development certificate (tls: auto)',
        realm: REALM,
        ...(options.seed > 0 ? { seed: options.seed } : {}),
      },
      micro,
      dhLimitOneCore,
      ...(rs256LimitOneCore ? { rs256LimitOneCore } : {}),
      targets,
      profiles,
      errors,
    };
    log(`\n${markdownReport(results)}\n`);
    if (options.write) {
      const written = writeResults(results, resolve(repo, options.resultsDir));
      log(`results: ${written.json}, ${written.markdown}`);
    }
    if (options.docs) {
      updateDocs(results, repo);
      log('docs/performance.md and docs/performance.svg updated');
    }
    if (errors > 0) {
      log(`FAILED: ${errors} error(s) (warm-up included): every answer must be the expected one`);
      return 1;
    }
    keep = false;
    log('no errors');
    return 0;
  } finally {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => log(`cleanup: ${e instanceof Error ? e.message : String(e)}`));
    if (keep) log(`work directory kept for inspection: ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
