// Test helpers for the realm suites: configuration, a table-driven resolver, local HTTP(S)
// servers on 127.0.0.1, and a network guard that keeps every client socket of the test process on
// 127.0.0.1.

import dns from 'node:dns';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import net, { isIP, type LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseConfig } from '../../src/config/config.loader.js';
import type { ConfigInput } from '../../src/config/config.schema.js';
import type { RealmConfig } from '../../src/config/namespaces.js';
import type { Clock } from '../../src/common/clock.js';
import type { HostResolver, ResolvedAddress } from '../../src/realm/host-resolver.js';

export type RealmInput = NonNullable<ConfigInput['realm']>;
export type DiscoveryInput = NonNullable<RealmInput['discovery']>;

/** The validated `realm` section (what the realmConfig namespace injects), as the application would build it. */
export function realmSettings(realm: RealmInput = {}): RealmConfig {
  return parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], realm }, null).realm;
}

/** Discovery settings for suites that talk to local servers (127.0.0.1 is private). */
export function localDiscovery(overrides: DiscoveryInput = {}): DiscoveryInput {
  return { https_only: false, allow_private_addresses: true, timeout: 2, connect_timeout: 1, ...overrides };
}

/**
 * A resolver from a table: name → addresses, or a function of the call number (0, 1, ...) for
 * answers that change between lookups. Unknown names fail with ENOTFOUND.
 */
export class FakeResolver implements Pick<HostResolver, 'resolve'> {
  readonly calls: string[] = [];

  constructor(private readonly table: Readonly<Record<string, readonly string[] | ((call: number) => readonly string[])>>) {}

  async resolve(hostname: string): Promise<readonly ResolvedAddress[]> {
    const call = this.calls.filter((h) => h === hostname).length;
    this.calls.push(hostname);
    const entry = this.table[hostname.toLowerCase()];
    if (entry === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const list = typeof entry === 'function' ? entry(call) : entry;
    return list.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
  }
}

/** A clock the test moves by hand. */
export class ManualClock implements Pick<Clock, 'now'> {
  constructor(private ms = Date.UTC(2030, 0, 1)) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** TLS server name the client sent (SNI), for HTTPS servers. */
  readonly servername?: string;
}

export interface TestServer {
  readonly port: number;
  /** http://127.0.0.1:port or https://127.0.0.1:port */
  readonly origin: string;
  /** TCP connections accepted so far. */
  connections: number;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** An HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 and a free port. */
export async function startServer(handler: Handler, tls?: { cert: string | Buffer; key: string | Buffer }): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const record: Handler = (request, response) => {
    const servername = (request.socket as Partial<TLSSocket>).servername;
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, servername: typeof servername === 'string' ? servername : undefined });
    handler(request, response);
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, record) : createHttpServer(record);
  const state = { connections: 0 };
  server.on('connection', () => {
    state.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
/** Privileged ports below the ephemeral range, handed out one per call (tests may mark one as hanging). */
const CLOSED_PORTS = [9, 13, 17, 19, 37, 42, 79, 87, 95, 101];
let nextClosedPort = 0;

export async function closedPort(): Promise<number> {
  // A port freed by a closed server could be taken by another test process's listen(0) before we
  // connect; a privileged port nothing here listens on cannot.
  const port = CLOSED_PORTS[nextClosedPort++ % CLOSED_PORTS.length]!;
  const inUse = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ host: '127.0.0.1', port }, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
  });
  if (inUse) throw new Error(`closedPort: something listens on 127.0.0.1:${port}`);
  return port;
}

// ---------------------------------------------------------------------------------------------
// Network guard

/**
 * A public address the guard rewrites to 127.0.0.1: lets a test play "a public site" with the SSRF
 * guard fully on, without a packet ever leaving the host.
 */
export const FAKE_PUBLIC_V4 = '198.20.0.1';
const hangingPorts = new Set<number>();
let guardInstalled = false;

/** Connections to this port (on any host) never complete: for connect-timeout tests. */
export function hangConnectionsTo(port: number): void {
  hangingPorts.add(port);
}

/**
 * Wraps net.Socket.prototype.connect (every TCP and TLS client socket of this process): a socket
 * may only reach 127.0.0.1 (FAKE_PUBLIC_V4 is rewritten to it), any other target fails the socket
 * before a packet is sent. A broken SSRF guard then fails its test instead of reaching a real
 * address.
 */
export function installNetworkGuard(): void {
  if (guardInstalled) return;
  guardInstalled = true;
  const original = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  const refuse = (socket: net.Socket, target: string): net.Socket => {
    process.nextTick(() => socket.destroy(Object.assign(new Error(`network guard: refused connection to ${target}`), { code: 'EGUARD' })));
    return socket;
  };
  function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as (net.TcpNetConnectOpts & { path?: string | null }) | number | string | undefined;
    if (typeof options !== 'object' || options === null) {
      const host = typeof args[1] === 'string' ? args[1] : 'localhost';
      return host === '127.0.0.1' ? original.apply(this, args) : refuse(this, host);
    }
    // http passes `path: null` for TCP; only a string names a local (IPC) socket.
    if (typeof options.path === 'string' && options.path !== '') return original.apply(this, args);
    if (hangingPorts.has(Number(options.port))) {
      (this as { connecting: boolean }).connecting = true;
      return this;
    }
    const host = options.host ?? 'localhost';
    if (isIP(host) !== 0) {
      const target = host === FAKE_PUBLIC_V4 ? '127.0.0.1' : host;
      if (target !== '127.0.0.1') return refuse(this, host);
      options.host = target;
      return original.apply(this, args);
    }
    const inner: LookupFunction = options.lookup ?? (dns.lookup as LookupFunction);
    options.lookup = (hostname, lookupOptions, callback) =>
      inner(hostname, lookupOptions, (error, address, family) => {
        if (error) {
          callback(error, address, family);
          return;
        }
        const list = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
        const mapped = list.map((a) => ({ address: a.address === FAKE_PUBLIC_V4 ? '127.0.0.1' : a.address, family: a.family }));
        if (mapped.some((a) => a.address !== '127.0.0.1')) {
          callback(Object.assign(new Error(`network guard: ${hostname} → ${list.map((a) => a.address).join(', ')}`), { code: 'EGUARD' }), '', 0);
          return;
        }
        if (Array.isArray(address)) callback(null, mapped);
        else callback(null, mapped[0]!.address, mapped[0]!.family);
      });
    return original.apply(this, args);
  }
  net.Socket.prototype.connect = guardedConnect as typeof net.Socket.prototype.connect;
}
