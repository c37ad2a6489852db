// Runs wrk with one of the bench/wrk/*.lua scripts and reads the line its done() prints.

import { spawn, spawnSync } from 'node:child_process';

export interface WrkRun {
  /** Answers that were checked (expected + unexpected), filler after a list ran out excluded. */
  requests: number;
  /** Seconds of load: wrk's -d, or until the last thread's single-use list ran out. */
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Unexpected status or body, plus socket errors and timeouts. */
  errors: number;
  unexpected: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  firstError: string;
  /** Whether every thread ran out of single-use requests before -d. */
  exhausted: boolean;
  /** wrk's own CPU time (user + system, all its threads), in seconds. */
  wrkCpuSeconds: number;
}

interface WrkLine {
  requests: number;
  duration_us: number;
  checked: number;
  unexpected: number;
  ignored: number;
  socket_errors: { connect: number; read: number; write: number; timeout: number };
  non_2xx_3xx: number;
  latency_us: { mean: number; p50: number; p90: number; p99: number; max: number };
  first_error: string;
}

export interface WrkSpec {
  script: string;
  url: string;
  args: string[];
  seconds: number;
  connections: number;
  threads: number;
}

export function wrkVersion(): string | undefined {
  const run = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (run.error) return undefined;
  return `${run.stdout}${run.stderr}`.split('\n')[0]!.trim();
}

export function runWrk(spec: WrkSpec): Promise<WrkRun> {
  // wrk takes whole seconds.
  const argv = ['-t', String(spec.threads), '-c', String(spec.connections), '-d', `${Math.max(1, Math.ceil(spec.seconds))}s`, '--timeout', '5s', '-s', spec.script, spec.url, '--', ...spec.args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // Through bash so that its `times` builtin reports wrk's CPU time once wrk has exited (the
    // children's user and system times, exact, where /proc/<pid> is gone by then).
    const child = spawn('bash', ['-c', 'wrk "$@"; status=$?; echo WRK_TIMES; times; exit $status', 'wrk', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let pending = '';
    const exhaustedAt = new Map<string, bigint>();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = /^EXHAUSTED (\S+)/.exec(line);
        if (m && !exhaustedAt.has(m[1]!)) exhaustedAt.set(m[1]!, process.hrtime.bigint());
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`wrk exited with ${code}: ${err.trim() || out.trim()}`));
        return;
      }
      const r = JSON.parse(line.slice('BENCH_RESULT '.length)) as WrkLine;
      const exhausted = exhaustedAt.size >= spec.threads;
      // `times` prints the shell's own user and system times, then its children's (wrk's).
      const lines = out.split('\n');
      const children = lines[lines.indexOf('WRK_TIMES') + 2] ?? '';
      const wrkCpuSeconds = children.trim().split(/\s+/).reduce((sum, t) => sum + bashTime(t), 0);
      const seconds = exhausted ? Number([...exhaustedAt.values()].reduce((a, b) => (a > b ? a : b)) - started) / 1e9 : r.duration_us / 1e6;
      const requests = r.checked + r.unexpected;
      const socketErrors = r.socket_errors;
      const ms = (us: number): number => Math.round(us) / 1000;
      resolve({
        requests,
        seconds,
        requestsPerSecond: requests / seconds,
        latencyMs: { mean: ms(r.latency_us.mean), p50: ms(r.latency_us.p50), p90: ms(r.latency_us.p90), p99: ms(r.latency_us.p99), max: ms(r.latency_us.max) },
        errors: r.unexpected + socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
        unexpected: r.unexpected,
        socketErrors,
        firstError: r.first_error,
        exhausted,
        wrkCpuSeconds,
      });
    });
  });
}

/** A time of bash's `times`: "1m2.345s". */
function bashTime(text: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}
