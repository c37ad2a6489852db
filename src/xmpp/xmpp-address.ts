import { isIP } from 'node:net';

// The configured address of an XMPP server: `xmpp://host:port` (RFC 6120 §5: TCP, then STARTTLS,
// which we require) or `xmpps://host:port` (XEP-0368: TLS from the first byte). No SRV lookup is
// done (RFC 6120 §3.2.1 would resolve `_xmpp-client._tcp.<domain>`): the operator names the
// host and port, so the port is mandatory.

export type XmppTlsMode = 'starttls' | 'direct';

export interface XmppServiceAddress {
  /** `xmpp://host:port` as given (lower-cased host). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly tls: XmppTlsMode;
}

export class InvalidXmppAddress extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidXmppAddress';
  }
}

const HOSTNAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Parses `xmpp://host:port` / `xmpps://host:port`. `schemes` restricts the accepted schemes
 * (a component link, XEP-0114, has no TLS: `xmpp:` only).
 */
export function parseXmppService(value: string, schemes: readonly ('xmpp' | 'xmpps')[] = ['xmpp', 'xmpps']): XmppServiceAddress {
  const allowed = schemes.map((s) => `${s}://host:port`).join(' or ');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidXmppAddress(`expected ${allowed}`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (!(schemes as readonly string[]).includes(scheme)) throw new InvalidXmppAddress(`expected ${allowed}`);
  if (url.username || url.password) throw new InvalidXmppAddress('must not carry credentials (secrets are read from files)');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) throw new InvalidXmppAddress('must be scheme://host:port, without a path, query or fragment');
  // xmpp: is not a WHATWG "special" scheme, so the host is opaque: lower-case and check it here.
  const host = url.hostname.toLowerCase();
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const validHost = bracketed ? isIP(host.slice(1, -1)) === 6 : isIP(host) === 4 || (host.length <= 253 && HOSTNAME.test(host));
  if (!validHost) throw new InvalidXmppAddress('expected a DNS name or an IP address as the host');
  if (url.port === '') throw new InvalidXmppAddress(`name the port, e.g. ${scheme}://${host}:${scheme === 'xmpps' ? 5223 : 5222} (no SRV lookup is done)`);
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidXmppAddress('the port must be between 1 and 65535');
  return {
    url: `${scheme}://${host}:${port}`,
    host: bracketed ? host.slice(1, -1) : host,
    port,
    tls: scheme === 'xmpps' ? 'direct' : 'starttls',
  };
}
