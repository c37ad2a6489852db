import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import { createRootLogger } from '../../src/http/logger.js';
import { XmppConnector } from '../../src/xmpp/xmpp-connector.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import type { XmlElement } from '../../src/xmpp/xml-node.js';

// Helpers shared by the Prosody suites: a connector whose log lines are kept (to prove no
// password ever reaches one), TCP stand-ins for broken servers, and waiting for stanzas.

export interface CapturedConnector {
  readonly connector: XmppConnector;
  /** Every log line written so far (JSON). */
  lines(): string[];
}

export function capturedConnector(): CapturedConnector {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { connector: new XmppConnector(createRootLogger('debug', sink)), lines: () => [...lines] };
}

/** A TCP server that accepts connections, reads and never says a word (a hung server). */
export async function silentServer(): Promise<{ port: number; sockets: net.Socket[]; closed: () => number; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => (closed += 1));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    closed: () => closed,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP proxy to `targetPort` that records both directions (what the client sent, what it got). */
export async function recordingProxy(targetPort: number): Promise<{ port: number; sent(): string; received(): string; close(): Promise<void> }> {
  let sent = '';
  let received = '';
  const pairs: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    pairs.push(client, upstream);
    client.on('data', (d: Buffer) => {
      sent += d.toString('latin1');
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent: () => sent,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        for (const s of pairs) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The next stanza `session` receives that satisfies `match`, within `timeoutMs`. */
export function nextStanza(session: XmppSession, match: (stanza: XmlElement) => boolean, timeoutMs = 5000): Promise<XmlElement> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching stanza within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = session.onStanza((stanza) => {
      if (!match(stanza)) return;
      clearTimeout(timer);
      off();
      resolve(stanza);
    });
  });
}

/** Established TCP connections whose local (server-side) port is `port`, from /proc/net/tcp. */
export function establishedTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1]?.endsWith(`:${hex}`) && fields[3] === '01';
    }).length;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
