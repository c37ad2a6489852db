import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

// A PostgreSQL cluster of the suite's own (Debian's postgresql-15 server binaries), for tests
// that stop and start the server: never the shared server other suites use. initdb refuses to
// run as root, so the binaries run as the `postgres` user, in a temporary directory it owns, on
// a free TCP port of 127.0.0.1, with the Unix socket in that directory. Missing binaries fail the
// suite with a message: it never skips.

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';

export interface PrivatePostgres {
  readonly dir: string;
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication, local only). */
  readonly url: string;
  /** `pg_ctl stop -m <mode>`: immediate (no shutdown checkpoint, clients cut) or fast (clients cut, clean checkpoint). */
  stop(mode: 'immediate' | 'fast'): void;
  start(): void;
  /**
   * SIGSTOP to the server and all its processes: connections stay open and nothing answers, as
   * when the database host hangs or the network drops packets. `thaw` sends SIGCONT.
   */
  freeze(): void;
  thaw(): void;
  /** Stops the server (if running) and removes its directory. */
  dispose(): void;
}

function requireBinaries(): void {
  const missing = ['initdb', 'pg_ctl', 'postgres'].filter((b) => !existsSync(join(PG_BIN, b)));
  if (missing.length > 0) {
    throw new Error(
      `PostgreSQL server binaries missing in ${PG_BIN} (${missing.join(', ')}): the fault suites start a private cluster and need Debian's postgresql-15 package ` +
        '(`apt-get install -y postgresql`). These suites never skip.',
    );
  }
  if (spawnSync('id', ['-u', OS_USER]).status !== 0) throw new Error(`no "${OS_USER}" system user to run the private PostgreSQL cluster as`);
}

function asPostgres(binary: string, args: string[], timeoutMs = 60_000): string {
  try {
    return execFileSync('runuser', ['-u', OS_USER, '--', join(PG_BIN, binary), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${binary} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: error });
  }
}

/** initdb + start; resolves once the server accepts connections (pg_ctl -w). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  requireBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'op-private-pg-'));
  chmodSync(dir, 0o700);
  const uid = Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  // Local only; fsync off is fine for a throw-away cluster (and kinder to a loaded machine):
  // what counts here is what the server acknowledged before it was stopped, which an immediate
  // stop (a crash, then recovery from WAL) does not lose whatever fsync says while the OS runs.
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=40 -c shared_buffers=16MB`;
  const start = (): void => {
    asPostgres('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log'), '-o', options]);
  };
  start();
  let running = true;
  const processes = (): number[] => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((pid) => pid > 0);
    return [postmaster, ...children];
  };
  const signal = (name: NodeJS.Signals): void => {
    for (const pid of processes()) {
      try {
        process.kill(pid, name);
      } catch {
        // Gone meanwhile (a backend that ended): nothing to stop or continue.
      }
    }
  };
  return {
    dir,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: (mode) => {
      asPostgres('pg_ctl', ['stop', '-w', '-t', '60', '-D', data, '-m', mode]);
      running = false;
    },
    start: () => {
      start();
      running = true;
    },
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    dispose: () => {
      if (running) {
        try {
          signal('SIGCONT');
        } catch {
          // No postmaster.pid: not running.
        }
        try {
          asPostgres('pg_ctl', ['stop', '-w', '-t', '30', '-D', data, '-m', 'immediate']);
        } catch {
          // Already stopped: nothing to do.
        }
        running = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
