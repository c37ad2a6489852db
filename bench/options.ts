// Command-line options of `npm run bench -- [options]`.

import { availableParallelism } from 'node:os';

export const WORKLOAD_IDS = ['W0', 'Wf', 'W1', 'W2-dh', 'W2-plain', 'W3', 'W4', 'W5', 'W6-auth', 'W6'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export interface BenchOptions {
  /** CI mode: short runs, no result files or docs written, exit 1 on any error. */
  smoke: boolean;
  /** Seconds measured per workload. */
  duration: number;
  /** Seconds of unmeasured load before each measured run. */
  warmup: number;
  /** wrk connections (fixed for every workload, so that runs compare). */
  connections: number;
  /** wrk threads. */
  threads: number;
  /**
   * Provider process counts (server.workers), one measured pass of W1-W6 each (W0 once). Default:
   * on PostgreSQL 1 and the core count (what an operator runs here: server.workers auto), on the
   * embedded database 1 (it always runs one process); --smoke: the operator's count only.
   */
  workers: number[];
  /** Seconds per microbenchmark. */
  microSeconds: number;
  /** Also measure Net::OpenID::Server behind nginx (Debian packages). */
  peer: boolean;
  /** Workloads to profile with node --cpu-prof (empty: no profiling). */
  profile: WorkloadId[];
  /** Where results go (JSON, markdown); docs/performance.md is updated from a full run only. */
  resultsDir: string;
  /** Write the results files (a smoke run writes them only when --results is given). */
  write: boolean;
  /** Update docs/performance.md and the chart. */
  docs: boolean;
  /** Workloads to run (default: all). */
  only: WorkloadId[];
  /** Measure nothing: regenerate latest.md, docs/performance.md and the chart from latest.json. */
  render: boolean;
  /** Accounts (each with one trust grant) seeded into PostgreSQL before the run (0: none; bench/seed.ts). */
  seed: number;
  /** Soak mode: seconds of W3, W4 and W2-plain in rounds, with table row counts (0: off; bench/soak.ts). */
  soak: number;
}

/** --soak without a value: long enough for every row made in the first round to expire and be pruned. */
export const DEFAULT_SOAK_SECONDS = 180;

const USAGE = `usage: npm run bench -- [options]
  --smoke              CI mode: ~2 s per workload, nothing written, exit 1 on any error
  --duration=S         measured seconds per workload, whole (default 10; smoke 2)
  --warmup=S           warm-up seconds per workload, whole (default 3; smoke 1)
  --connections=N      wrk connections (default 16)
  --threads=N          wrk threads (default 2)
  --workers=1,N        provider processes (server.workers), one pass of W1-W6 per count, W0 once
                       (default: 1,<cores> on PostgreSQL, 1 on the embedded database; smoke: one
                       pass, <cores> on PostgreSQL, 1 embedded; profile and round trips: 1 worker)
  --micro=S            seconds per microbenchmark (default 2; smoke 0.3)
  --peer               also run Net::OpenID::Server (Starman, 2 workers) behind nginx TLS
  --profile[=W3,W5]    profile the provider (node --cpu-prof) during these workloads (default: Wf, W1-W6)
  --only=W1,W3         run only these workloads (W4 needs W3, W6 needs W6-auth)
  --results=DIR        results directory (default bench/results)
  --no-docs            do not update docs/performance.md
  --render             measure nothing: regenerate latest.md and the docs from results/latest.json
  --seed=N             PostgreSQL only: first add N accounts (seed0 … seedN-1) with one trust grant
                       each, server-side and idempotent (bench/seed.ts), e.g. --seed=1000000 --only=W1,W3
  --soak[=S]           soak mode instead of the measured passes: S seconds (default ${DEFAULT_SOAK_SECONDS}) of W3, W4
                       and W2-plain in rounds, short lifetimes and prune interval, row counts of the
                       pruned tables before, during, after, and after expiry and one prune pass
Environment: DATABASE_URL (PostgreSQL; absent: the embedded database in a temporary directory).`;

function parseIds(value: string, what: string): WorkloadId[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of ids) if (!(WORKLOAD_IDS as readonly string[]).includes(id)) throw new Error(`${what}: unknown workload ${id} (known: ${WORKLOAD_IDS.join(', ')})`);
  return ids as WorkloadId[];
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${value}`);
  return n;
}

/**
 * What an operator runs on this machine (server.workers: auto): one process per core on
 * PostgreSQL, one on the embedded database.
 */
export function operatorWorkers(postgres: boolean, cores = availableParallelism()): number {
  return postgres ? cores : 1;
}

export function defaultWorkers(postgres: boolean, smoke: boolean, cores = availableParallelism()): number[] {
  const operator = operatorWorkers(postgres, cores);
  if (smoke || operator === 1) return [operator];
  return [1, operator];
}

function parseWorkers(value: string, postgres: boolean): number[] {
  const counts = value.split(',').map((s) => s.trim()).filter(Boolean).map((s) => Number(s));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 256)) throw new Error(`--workers needs a list of process counts (1-256), e.g. --workers=1,2; got ${value}`);
  if (!postgres && counts.some((n) => n > 1)) throw new Error(`--workers=${value}: on the embedded database the provider runs one process; set DATABASE_URL to measure several`);
  return [...new Set(counts)];
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const smoke = argv.includes('--smoke');
  const postgres = Boolean(env['DATABASE_URL']);
  const options: BenchOptions = {
    smoke,
    duration: smoke ? 2 : 10,
    warmup: smoke ? 1 : 3,
    connections: 16,
    threads: Math.min(2, availableParallelism()),
    workers: defaultWorkers(postgres, smoke),
    microSeconds: smoke ? 0.3 : 2,
    peer: false,
    profile: [],
    resultsDir: 'bench/results',
    write: !smoke,
    docs: !smoke,
    only: [...WORKLOAD_IDS],
    render: false,
    seed: 0,
    soak: 0,
  };
  for (const arg of argv) {
    const [flag, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (flag) {
      case '--smoke':
        break;
      case '--duration':
        options.duration = Math.ceil(positive(value ?? '', 'duration'));
        break;
      case '--warmup':
        options.warmup = Math.ceil(Number(value ?? 'NaN'));
        if (!(options.warmup >= 0)) throw new Error('--warmup needs a number >= 0');
        break;
      case '--connections':
        options.connections = Math.round(positive(value ?? '', 'connections'));
        break;
      case '--threads':
        options.threads = Math.round(positive(value ?? '', 'threads'));
        break;
      case '--workers':
        options.workers = parseWorkers(value ?? '', postgres);
        break;
      case '--micro':
        options.microSeconds = positive(value ?? '', 'micro');
        break;
      case '--peer':
        options.peer = true;
        break;
      case '--profile':
        options.profile = value ? parseIds(value, '--profile') : ['Wf', 'W1', 'W2-dh', 'W2-plain', 'W3', 'W4', 'W5', 'W6-auth', 'W6'];
        if (options.profile.includes('W0')) throw new Error('--profile: W0 is not the provider');
        break;
      case '--only':
        options.only = parseIds(value ?? '', '--only');
        break;
      case '--results':
        if (!value) throw new Error('--results needs a directory');
        options.resultsDir = value;
        options.write = true;
        break;
      case '--no-docs':
        options.docs = false;
        break;
      case '--render':
        options.render = true;
        break;
      case '--seed':
        options.seed = Number(value ?? 'NaN');
        if (!Number.isInteger(options.seed) || options.seed < 1) throw new Error(`--seed needs a whole number of accounts, e.g. --seed=1000000; got ${value}`);
        if (!postgres) throw new Error('--seed fills a PostgreSQL database: set DATABASE_URL');
        break;
      case '--soak':
        options.soak = value === undefined ? DEFAULT_SOAK_SECONDS : Math.ceil(positive(value, 'soak'));
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (options.only.includes('W4') && !options.only.includes('W3')) throw new Error('--only: W4 checks the assertions W3 produces; add W3');
  if (options.only.includes('W6') && !options.only.includes('W6-auth')) throw new Error('--only: W6 exchanges the codes W6-auth produces; add W6-auth');
  if (options.soak > 0) {
    const clash = ['--smoke', '--render', '--profile', '--peer', '--only', '--workers'].filter((f) => argv.some((a) => a === f || a.startsWith(`${f}=`)));
    if (clash.length > 0) throw new Error(`--soak runs its own workloads with 1 worker: it does not combine with ${clash.join(', ')}`);
    // The soak's results go to soak-<time>.json/.md; latest.json and the docs stay the full run's.
    options.only = ['W2-plain', 'W3', 'W4'];
    options.workers = [1];
    options.docs = false;
  }
  if (options.connections < options.threads) options.threads = options.connections;
  return options;
}
