// `--peer`: Net::OpenID::Server (Debian's libnet-openid-server-perl) as a PSGI app
// (bench/peer/app.psgi) under Starman with 2 workers, behind nginx terminating TLS with the same
// certificate as the provider. Installed with apt-get when missing.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from './browser.js';
import { freePort, sleep, stopChild } from './provider.js';

const PACKAGES = ['libnet-openid-server-perl', 'starman', 'nginx-light', 'libplack-perl'];

function installed(): boolean {
  const perl = spawnSync('perl', ['-MNet::OpenID::Server', '-MPlack::Request', '-e', '1']);
  return perl.status === 0 && spawnSync('starman', ['--version']).status === 0 && spawnSync('nginx', ['-v']).status === 0;
}

export function ensurePeerPackages(): void {
  if (installed()) return;
  process.stdout.write(`installing ${PACKAGES.join(' ')} (apt-get)\n`);
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...PACKAGES], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (update.status !== 0 || install.status !== 0 || !installed()) throw new Error(`--peer needs ${PACKAGES.join(', ')}: apt-get install failed`);
  // Debian's nginx package starts the system-wide server; the peer needs its own only.
  spawnSync('nginx', ['-s', 'quit']);
}

export interface PeerSetup {
  repo: string;
  dir: string;
  certPath: string;
  keyPath: string;
  user: string;
  realm: string;
  /** "name=value" of the session cookie the peer takes as signed in. */
  cookieFile: string;
}

export interface RunningPeer {
  base: string;
  /** nginx and Starman (with their workers below them). */
  pids: number[];
  stop(): Promise<void>;
}

function spawnLogged(command: string, args: string[], log: string, env: NodeJS.ProcessEnv): { child: ChildProcess; exit: Promise<number | null> } {
  const fd = openSync(log, 'w');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exit };
}

export async function startPeer(setup: PeerSetup): Promise<RunningPeer> {
  const dir = join(setup.dir, 'peer');
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const tlsPort = await freePort();
  const appPort = await freePort();
  const base = `https://localhost:${tlsPort}`;
  const secretFile = join(dir, 'server-secret');
  writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const root = process.getuid?.() === 0 ? 'user root root;\n' : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${root}worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/temp/body;
  proxy_temp_path ${dir}/temp/proxy;
  fastcgi_temp_path ${dir}/temp/fastcgi;
  uwsgi_temp_path ${dir}/temp/uwsgi;
  scgi_temp_path ${dir}/temp/scgi;
  keepalive_requests 100000;
  upstream starman { server 127.0.0.1:${appPort}; }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${setup.certPath};
    ssl_certificate_key ${setup.keyPath};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://starman;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto https;
    }
  }
}
`,
  );
  const env = {
    ...process.env,
    BENCH_PEER_BASE: base,
    BENCH_PEER_USER: setup.user,
    BENCH_PEER_REALM: setup.realm,
    BENCH_PEER_COOKIE_FILE: setup.cookieFile,
    BENCH_PEER_SECRET_FILE: secretFile,
  };
  // One request per upstream connection: a Starman worker serves one connection at a time, so a
  // kept-alive idle connection would hold a worker (up to its 1 s keep-alive timeout) while
  // requests queue behind it.
  const starman = spawnLogged('starman', ['--listen', `127.0.0.1:${appPort}`, '--workers', '2', '--disable-keepalive', '-E', 'deployment', join(setup.repo, 'bench/peer/app.psgi')], join(dir, 'starman.log'), env);
  const nginx = spawnLogged('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], join(dir, 'nginx.log'), env);
  const stop = async (): Promise<void> => {
    await stopChild(nginx.child, nginx.exit, 10_000, 'SIGQUIT');
    await stopChild(starman.child, starman.exit, 10_000);
  };
  // Ready when the endpoint answers through nginx.
  const probe = new Browser(readFileSync(setup.certPath));
  for (let i = 0; i < 100; i++) {
    const status = await probe.get(`${base}/openid`).then((a) => a.status, () => 0);
    if (status === 200) return { base, pids: [nginx.child.pid!, starman.child.pid!], stop };
    if (nginx.child.exitCode !== null || starman.child.exitCode !== null) break;
    await sleep(200);
  }
  await stop();
  throw new Error(`the peer did not start; see ${dir}/starman.log and ${dir}/nginx-error.log`);
}
