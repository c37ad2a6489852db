import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { XmppTlsMode } from './xmpp-address.js';
import { networkReason, XmppUnavailable } from './xmpp-errors.js';
import { childElements, namespaceOf, type XmlElement } from './xml-node.js';

// The socket @xmpp/client runs its stream over (xmpp-connector.ts plugs it in as the transport's
// Socket): it reports "connect" only once TLS is up and the server's certificate verified, so the
// library never sees, and can never write to, a plaintext connection.
//
// @xmpp/client has no TLS options (no `ca`, no way to check the certificate against the XMPP
// domain on STARTTLS) and, when a server offers no STARTTLS, logs in over plaintext. So this
// socket does the TLS part itself:
//   - xmpps:// (XEP-0368): TLS from the first byte, ALPN "xmpp-client".
//   - xmpp:// (RFC 6120 §5.4): opens the initial stream, requires <starttls/> in the features,
//     sends <starttls/>, waits for <proceed/>, then TLS on the same TCP connection. The stream
//     restart after TLS (§5.4.3.3) is the library's ordinary stream opening.
// Either way the certificate is verified against the CAs (Node's bundled ones, or those plus the
// configured ca_file) and against the XMPP domain, not the host we connect to (RFC 7590 §3.2,
// RFC 6125 §6.2.1: the reference identifier is the domain the user's JID names), with SNI set to
// that domain (RFC 6120 §13.7.1.2).

const NS_STREAMS = 'http://etherx.jabber.org/streams';
const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';

/** Minimal streaming XML parser for the pre-TLS exchange (the connector passes @xmpp/xml's). */
export interface PreTlsParser {
  write(chunk: string): void;
}
export type CreatePreTlsParser = (handlers: { element: (element: XmlElement) => void; error: (error: Error) => void }) => PreTlsParser;

export interface SecureSocketOptions {
  /** The XMPP domain: stream `to`, SNI and the certificate's reference identifier. */
  readonly domain: string;
  /** Trusted CAs (PEM); absent: Node's default store (bundled roots plus NODE_EXTRA_CA_CERTS). */
  readonly ca?: readonly string[];
  /** Budget for TCP connect, STARTTLS and the TLS handshake. */
  readonly connectTimeoutMs: number;
  /** Most bytes read over the connection's lifetime (a bound on what a server can make us parse). */
  readonly maxBytes?: number;
  /** TCP keep-alive probes after this much idle time (long-lived sessions). */
  readonly keepAliveMs?: number;
  readonly createParser: CreatePreTlsParser;
}

export interface SecureSocketParams {
  readonly host: string;
  readonly port: number;
  readonly tls: XmppTlsMode;
}

export type StartTlsStep =
  | { readonly action: 'send-starttls' }
  | { readonly action: 'handshake' }
  | { readonly action: 'wait' }
  | { readonly action: 'fail'; readonly reason: 'starttls_unavailable' | 'stream_error' | 'protocol'; readonly detail: string };

/** What to do with a top-level element received before TLS (RFC 6120 §5.4.2). */
export function startTlsStep(received: XmlElement, sentStartTls: boolean): StartTlsStep {
  const ns = namespaceOf(received);
  if (received.name === 'error' && ns === NS_STREAMS) {
    const condition = childElements(received).find((c) => c.name !== 'text')?.name ?? 'undefined-condition';
    return { action: 'fail', reason: 'stream_error', detail: `stream error before TLS: ${condition}` };
  }
  if (!sentStartTls) {
    if (received.name !== 'features' || ns !== NS_STREAMS) return { action: 'fail', reason: 'protocol', detail: `expected <stream:features/>, got <${received.name}/>` };
    // §5.4.2.1: the server advertises STARTTLS; we refuse to go on without it, whatever else
    // (SASL PLAIN in the clear included) it offers.
    if (childElements(received, 'starttls', NS_TLS).length === 0) return { action: 'fail', reason: 'starttls_unavailable', detail: 'the server does not offer STARTTLS' };
    return { action: 'send-starttls' };
  }
  if (ns === NS_TLS && received.name === 'proceed') return { action: 'handshake' }; // §5.4.2.3
  if (ns === NS_TLS && received.name === 'failure') return { action: 'fail', reason: 'starttls_unavailable', detail: 'the server answered <failure/> to STARTTLS' }; // §5.4.2.2
  return { action: 'fail', reason: 'protocol', detail: `expected <proceed/>, got <${received.name}/>` };
}

/** The initial stream header (RFC 6120 §4.7): `to` the domain, no `from` before TLS (§4.7.1). */
export function initialStreamHeader(domain: string): string {
  const to = domain.replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<?xml version='1.0'?><stream:stream to='${to}' version='1.0' xmlns='jabber:client' xmlns:stream='${NS_STREAMS}'>`;
}

export class SecureSocket extends EventEmitter {
  private tcp: net.Socket | undefined;
  private tlsSocket: tls.TLSSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private failed = false;

  constructor(private readonly options: SecureSocketOptions) {
    super();
  }

  /** True only over TLS with a verified certificate: what @xmpp/client's isSecure() reads. */
  get secure(): boolean {
    return this.tlsSocket?.authorized === true && !this.tlsSocket.destroyed;
  }

  connect(params: SecureSocketParams): void {
    this.timer = setTimeout(
      () => this.fail(new XmppUnavailable('timeout', `no TLS connection to ${params.host}:${params.port} within ${this.options.connectTimeoutMs} ms`)),
      this.options.connectTimeoutMs,
    );
    if (params.tls === 'direct') {
      this.startTls({ host: params.host, port: params.port, ALPNProtocols: ['xmpp-client'] });
      return;
    }
    const tcp = net.connect({ host: params.host, port: params.port });
    this.tcp = tcp;
    tcp.setNoDelay(true);
    let sentStartTls = false;
    const parser = this.options.createParser({
      element: (received) => {
        if (this.failed || this.tlsSocket) return;
        const step = startTlsStep(received, sentStartTls);
        if (step.action === 'send-starttls') {
          sentStartTls = true;
          tcp.write(`<starttls xmlns='${NS_TLS}'/>`);
        } else if (step.action === 'handshake') {
          // Nothing more is read in the clear: the TLS layer owns the TCP socket from here.
          tcp.removeListener('data', onData);
          this.startTls({ socket: tcp });
        } else if (step.action === 'fail') {
          this.fail(new XmppUnavailable(step.reason, step.detail));
        }
      },
      error: (error) => this.fail(new XmppUnavailable('protocol', `unreadable XML before TLS: ${error.message}`)),
    });
    const onData = (chunk: Buffer) => {
      if (this.count(chunk.length)) parser.write(chunk.toString('utf8'));
    };
    tcp.on('data', onData);
    tcp.once('connect', () => tcp.write(initialStreamHeader(this.options.domain)));
    tcp.on('error', (error) => this.fail(new XmppUnavailable(networkReason(error), `${params.host}:${params.port}: ${error.message}`, { cause: error })));
    tcp.on('close', () => {
      if (!this.tlsSocket) this.closed(true);
    });
  }

  private startTls(target: { socket: net.Socket } | { host: string; port: number; ALPNProtocols: string[] }): void {
    const socket = tls.connect({
      ...target,
      servername: this.options.domain,
      // RFC 7590 §3.2: verify against the XMPP domain. Node's checkServerIdentity implements the
      // RFC 6125 rules (DNS-ID in subjectAltName, one left-most wildcard label).
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(this.options.domain, cert),
      ca: this.options.ca === undefined ? undefined : [...this.options.ca],
      rejectUnauthorized: true,
      // RFC 9325 §3.1.1: TLS 1.2 or later.
      minVersion: 'TLSv1.2',
    });
    this.tlsSocket = socket;
    if (this.options.keepAliveMs !== undefined) socket.setKeepAlive(true, this.options.keepAliveMs);
    socket.on('secureConnect', () => {
      if (!socket.authorized) {
        this.fail(new XmppUnavailable('tls', `certificate not trusted: ${String(socket.authorizationError)}`));
        return;
      }
      clearTimeout(this.timer);
      this.emit('connect');
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.count(chunk.length)) this.emit('data', chunk);
    });
    socket.on('error', (error) => {
      // Before the handshake completes, an error without a more specific cause is a TLS failure.
      const base = networkReason(error);
      const reason = !this.secure && base === 'protocol' ? 'tls' : base;
      this.fail(new XmppUnavailable(reason, `TLS with ${this.options.domain}: ${error.message}`, { cause: error }));
    });
    socket.on('close', (hadError: boolean) => this.closed(hadError));
  }

  /** Counts bytes read; false (and the connection dropped) once over the limit. */
  private count(size: number): boolean {
    this.bytes += size;
    if (this.options.maxBytes !== undefined && this.bytes > this.options.maxBytes) {
      this.fail(new XmppUnavailable('too_much_data', `more than ${this.options.maxBytes} bytes received`));
      return false;
    }
    return true;
  }

  private fail(error: XmppUnavailable): void {
    if (this.failed) return;
    this.failed = true;
    clearTimeout(this.timer);
    if (this.listenerCount('error') > 0) this.emit('error', error);
    this.destroy();
  }

  private closed(hadError: boolean): void {
    clearTimeout(this.timer);
    if (this.listenerCount('close') > 0) this.emit('close', hadError);
    this.removeAllListeners('close');
  }

  write(data: string, callback?: (error?: Error | null) => void): void {
    const socket = this.tlsSocket;
    if (socket === undefined || !this.secure) {
      // Never reached through @xmpp/client (it writes only after "connect"); a guard all the same.
      callback?.(new XmppUnavailable('tls', 'refusing to write before TLS is established'));
      return;
    }
    socket.write(data, callback);
  }

  end(): void {
    if (this.tlsSocket && !this.tlsSocket.destroyed) this.tlsSocket.end();
    else this.destroy();
  }

  /** Drops the connection at once (timeouts, failures, a stop that the server does not answer). */
  destroy(): void {
    clearTimeout(this.timer);
    this.tlsSocket?.destroy();
    this.tcp?.destroy();
  }
}
