import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.js';

// A real Prosody (Debian's `prosody` package, 0.12) for the XMPP suites, started by the suite
// itself from a configuration generated under a temporary directory (STACK-NOTES.md §5b): free
// ports, a private test CA (deliberately not the certificate test/global-setup.ts puts in
// NODE_EXTRA_CA_CERTS, so that trusting it takes `ca_file`), accounts registered with prosodyctl.
// A missing Prosody fails the suite with a message: it never skips.

export const PROSODY = '/usr/bin/prosody';
export const PROSODYCTL = '/usr/bin/prosodyctl';

/** The hosts every standard instance serves. */
export const HOSTS = {
  /** Like Debian's default: vCard4 in PEP, vcard-temp served from it (mod_vcard_legacy). */
  main: 'localhost',
  /** vcard-temp stored on its own (mod_vcard) and vCard4 in PEP: the two flavours independent. */
  separate: 'separate.localhost',
  /** Accounts listed in disabled_accounts are refused with the SASL condition account-disabled. */
  disabling: 'disabling.localhost',
  /** Served, but not named in the certificate: a TLS name mismatch. */
  unnamed: 'unnamed.localhost',
  /** The XEP-0114 component. */
  component: 'openid.localhost',
} as const;

export const COMPONENT_SECRET = 'test-component-secret-5f1c';

export interface ProsodyAccount {
  readonly user: string;
  readonly password: string;
  readonly host?: string;
}

export interface ProsodyOptions {
  /** `no-tls`: mod_tls off, PLAIN offered in the clear (the server we must never send a password to). */
  readonly variant?: 'standard' | 'no-tls';
  readonly accounts?: readonly ProsodyAccount[];
  /** Accounts of HOSTS.disabling that its auth module reports as disabled. */
  readonly disabledAccounts?: readonly string[];
}

export interface Prosody {
  readonly dir: string;
  /** PEM of the private CA that signed the server certificate. */
  readonly caFile: string;
  readonly c2s: string;
  readonly c2sPort: number;
  /** xmpps:// address (standard variant). */
  readonly directTls: string;
  /** xmpp:// address of the component port (standard variant). */
  readonly componentService: string;
  register(account: ProsodyAccount): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Prosody's log so far. */
  log(): string;
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>;
}

function requireProsody(): void {
  if (!existsSync(PROSODY) || !existsSync(PROSODYCTL)) {
    throw new Error(
      `Prosody is not installed (${PROSODY} and ${PROSODYCTL} are missing): the XMPP suites need Debian's prosody package. ` + 'Install it with `apt-get install -y prosody` (.ci/run does this). These suites never skip.',
    );
  }
}

export { freePort };

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A private CA and a server certificate it signed for the standard hosts (not HOSTS.unnamed). */
function makeCertificates(dir: string): { caFile: string; cert: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=openid-provider test XMPP CA', '-keyout', 'ca.key', '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-new', ...ec, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  const names = [HOSTS.main, HOSTS.separate, HOSTS.disabling, HOSTS.component].map((h) => `DNS:${h}`).join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${names}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'], dir);
  return { caFile: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

// A test-only auth provider for HOSTS.disabling. Prosody 0.12's own providers cannot disable an
// account (prosodyctl's `user disable` arrived in 13.0), but its SASL layer can: util.sasl.plain
// answers <account-disabled/> when the provider reports the account state as false. This module
// stores plain passwords like mod_auth_internal_plain and reports the accounts listed in
// `disabled_accounts` as disabled, so the real SASL failure path is exercised.
const DISABLING_AUTH = `
local new_sasl = require "util.sasl".new;
local saslprep = require "util.encodings".stringprep.saslprep;
local accounts = module:open_store("accounts");
local disabled = module:get_option_set("disabled_accounts", {});
local provider = {};
function provider.test_password(username, password)
  local account = accounts:get(username);
  return account ~= nil and saslprep(account.password) == saslprep(password);
end
function provider.get_password(username) local a = accounts:get(username); return a and a.password; end
function provider.set_password(username, password)
  local account = accounts:get(username);
  if not account then return nil, "Account not available"; end
  account.password = password;
  return accounts:set(username, account);
end
function provider.user_exists(username) return accounts:get(username) ~= nil; end
function provider.users() return accounts:users(); end
function provider.create_user(username, password) return accounts:set(username, { password = password }); end
function provider.delete_user(username) return accounts:set(username, nil); end
function provider.get_sasl_handler()
  return new_sasl(module.host, {
    plain_test = function(_, username, password)
      return provider.test_password(username, password), not disabled:contains(username);
    end;
  });
end
module:provides("auth", provider);
`;

function lua(value: string): string {
  return JSON.stringify(value);
}

function config(base: string, tlsFiles: { cert: string; key: string }, ports: { c2s: number; direct: number; component: number }, options: ProsodyOptions): string {
  const standard = options.variant !== 'no-tls';
  const ssl = `{ certificate = ${lua(tlsFiles.cert)}; key = ${lua(tlsFiles.key)} }`;
  const lines = [
    `run_as_root = true`,
    `pidfile = ${lua(join(base, 'prosody.pid'))}`,
    `data_path = ${lua(join(base, 'data'))}`,
    `plugin_paths = { ${lua(join(base, 'plugins'))} }`,
    `log = { { levels = { min = "info" }, to = "file", filename = ${lua(join(base, 'prosody.log'))} } }`,
    `interfaces = { "127.0.0.1" }`,
    `c2s_ports = { ${ports.c2s} }`,
    `c2s_direct_tls_ports = { ${standard ? ports.direct : ''} }`,
    `http_ports = { }; https_ports = { }; s2s_ports = { }`,
    `modules_enabled = { "disco"; "roster"; "saslauth"; "ping"; "pep"; "vcard4"; "vcard_legacy"${standard ? '; "tls"' : ''} }`,
    `modules_disabled = { "s2s"; "s2s_auth_certs"; "offline"${standard ? '' : '; "tls"'} }`,
    `authentication = "internal_hashed"`,
    `storage = "internal"`,
    `allow_registration = false`,
  ];
  if (standard) {
    lines.push(`c2s_require_encryption = true`, `ssl = ${ssl}`, `c2s_direct_tls_ssl = ${ssl}`, `component_ports = { ${ports.component} }`, `component_interfaces = { "127.0.0.1" }`);
  } else {
    // The server our client must refuse: no TLS at all, PLAIN offered over the bare TCP stream.
    lines.push(`c2s_require_encryption = false`, `allow_unencrypted_plain_auth = true`);
  }
  lines.push(`VirtualHost ${lua(HOSTS.main)}`);
  if (standard) {
    lines.push(`VirtualHost ${lua(HOSTS.separate)}`, `  modules_enabled = { "vcard" }`, `  modules_disabled = { "vcard_legacy"; "vcard4" }`);
    lines.push(`VirtualHost ${lua(HOSTS.disabling)}`, `  authentication = "disabling"`, `  disabled_accounts = { ${(options.disabledAccounts ?? []).map(lua).join('; ')} }`);
    lines.push(`VirtualHost ${lua(HOSTS.unnamed)}`);
    lines.push(`Component ${lua(HOSTS.component)}`, `  component_secret = ${lua(COMPONENT_SECRET)}`);
  }
  return lines.join('\n') + '\n';
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Prosody exited with code ${child.exitCode} before listening on ${port}:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`Prosody did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startProsody(options: ProsodyOptions = {}): Promise<Prosody> {
  requireProsody();
  const base = mkdtempSync(join(tmpdir(), 'op-prosody-'));
  mkdirSync(join(base, 'data'));
  mkdirSync(join(base, 'plugins'));
  writeFileSync(join(base, 'plugins', 'mod_auth_disabling.lua'), DISABLING_AUTH);
  const certs = makeCertificates(base);
  const ports = { c2s: await freePort(), direct: await freePort(), component: await freePort() };
  const cfg = join(base, 'prosody.cfg.lua');
  writeFileSync(cfg, config(base, certs, ports, options));
  const standard = options.variant !== 'no-tls';
  const logFile = join(base, 'prosody.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + output;
  let output = '';
  let child: ChildProcess | undefined;

  const register = (account: ProsodyAccount) => {
    // Non-interactive: `register USER HOST PASSWORD` (overwrites an existing password silently).
    execFileSync(PROSODYCTL, ['--config', cfg, 'register', account.user, account.host ?? HOSTS.main, account.password], { stdio: ['ignore', 'pipe', 'pipe'] });
  };
  for (const account of options.accounts ?? []) register(account);

  const start = async () => {
    output = '';
    const proc = spawn(PROSODY, ['--config', cfg, '-F'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitForPort(ports.c2s, proc, 10_000, log);
    if (standard) {
      await waitForPort(ports.direct, proc, 10_000, log);
      await waitForPort(ports.component, proc, 10_000, log);
    }
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    dir: base,
    caFile: certs.caFile,
    c2s: `xmpp://127.0.0.1:${ports.c2s}`,
    c2sPort: ports.c2s,
    directTls: `xmpps://127.0.0.1:${ports.direct}`,
    componentService: `xmpp://127.0.0.1:${ports.component}`,
    register,
    start,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    log,
    dispose: async () => {
      await stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
