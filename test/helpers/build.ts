import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';

// The app built by `nest build` (nest-cli.json, tsconfig.build.json) into a directory laid out as
// an operator's install: package.json (its scripts), dist/, node_modules. Suites that start the
// server or the CLIs as real processes use it, so that they never touch the repository's dist/.

export const REPO = resolve(import.meta.dirname, '../..');

export interface Install {
  dir: string;
  /** Environment for commands run there: PATH with node_modules/.bin, nothing from DATABASE_URL. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
}

let built: Install | undefined;

export function buildInstall(): Install {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'op-install-'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(REPO, 'tsconfig.build.json'), compilerOptions: { outDir: join(dir, 'dist') } }));
  // The repository's nest-cli.json, allowed to write outside the repository.
  const nest = JSON.parse(readFileSync(join(REPO, 'nest-cli.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
  nest.compilerOptions['allowOutsidePaths'] = true;
  writeFileSync(join(dir, 'nest-cli.json'), JSON.stringify(nest));
  const args = ['build', '-c', relative(REPO, join(dir, 'nest-cli.json')), '-p', relative(REPO, join(dir, 'tsconfig.json'))];
  const r = spawnSync(process.execPath, [join(REPO, 'node_modules/@nestjs/cli/bin/nest.js'), ...args], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nest build failed:\n${r.stdout}\n${r.stderr}`);
  copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  built = {
    dir,
    env: (extra = {}) => {
      const { DATABASE_URL: _url, OPENID_PROVIDER_CONFIG: _config, ...rest } = process.env;
      // No colours: with CI set, chalk-style detection turns them on even for a pipe, and the
      // suites read the commands' output as text.
      return { ...rest, NO_COLOR: '1', FORCE_COLOR: '0', PATH: `${join(REPO, 'node_modules/.bin')}${delimiter}${process.env['PATH'] ?? ''}`, ...extra };
    },
  };
  return built;
}

/** Removes the install (call from afterAll). */
export function removeInstall(): void {
  if (built) rmSync(built.dir, { recursive: true, force: true });
  built = undefined;
}

export interface Finished {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a command to its end, feeding it `stdin`. */
export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number }): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out, err });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs an npm script of the install as npm would (sh -c, node_modules/.bin on PATH), with arguments appended. */
export function runScript(install: Install, name: string, args: string[], env: Record<string, string>): Promise<Finished> {
  const pkg = JSON.parse(readFileSync(join(install.dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  // The install is built already (and has no sources to build from).
  const script = pkg.scripts[name]?.replace(/^nest build && /, '');
  if (!script) throw new Error(`no npm script ${name}`);
  return run('sh', ['-c', `${script} "$@"`, name, ...args], { cwd: install.dir, env: install.env(env) });
}

/** `node dist/main.js` of an install, started as an operator starts it. */
export interface RunningServer {
  child: ChildProcess;
  /** Everything it wrote so far (stdout and stderr). */
  log: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts the install's server in `cwd` with the configuration file `config`, and resolves once
 * `ready(log)` holds (by default: it logged that it listens); rejects if it exits first or is
 * not ready within 90 s.
 */
export function startServer(install: Install, cwd: string, config: string, ready: (log: string) => boolean = (log) => log.includes('"msg":"openid-provider listening"')): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(install.dir, 'dist/main.js')], { cwd, env: install.env({ OPENID_PROVIDER_CONFIG: config }), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (log += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready:\n${log}`)), 90_000);
    const poll = setInterval(() => {
      if (ready(log)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, log: () => log, exited });
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
}
