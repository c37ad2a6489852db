import { isIP, connect as netConnect, type LookupFunction, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Injectable } from '@nestjs/common';
import type { ResolvedAddress } from './host-resolver.js';

/** One connection safe-fetch asks for: to `port` on one of `addresses` (already checked), no other. */
export interface DialTarget {
  /** The URL's host name (or IP literal): the TLS server name and the name the certificate must carry. */
  readonly host: string;
  readonly port: number;
  /** The addresses safe-fetch checked for `host`; the connection goes to one of these only. */
  readonly addresses: readonly ResolvedAddress[];
  /** TLS on top (https), verified against `host` with Node's default CA store. */
  readonly tls: boolean;
}

/**
 * Opens the TCP (and TLS) connections of outbound fetches: the only place safe-fetch.ts reaches
 * the network, injected so that tests can record, and refuse, every connection the fetcher asks
 * for (and so prove that a refused address never got a socket).
 *
 * The connection is made through a `lookup` that can only answer with the checked addresses, so
 * a DNS answer that changes between check and connect (DNS rebinding) cannot move it; Node still
 * races IPv4 and IPv6 among them (autoSelectFamily). The host name travels as TLS SNI (never an IP
 * literal: RFC 6066 §3) and the certificate is verified against it; there is no switch to skip it.
 */
@Injectable()
export class Dialer {
  dial(target: DialTarget): Socket {
    const lookup = pinnedLookup(target.addresses);
    if (!target.tls) return netConnect({ host: target.host, port: target.port, lookup });
    return tlsConnect({
      host: target.host,
      port: target.port,
      lookup,
      // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
      servername: isIP(target.host) === 0 ? target.host : '',
      // HTTP/1.1 only: the fetcher speaks nothing else.
      ALPNProtocols: ['http/1.1'],
    });
  }
}

/**
 * A `lookup` for the connection that can only answer with the checked addresses. Node asks for all
 * addresses (`all: true`) when it races IPv4 and IPv6 (autoSelectFamily), else for one.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
    const first = usable[0];
    if (first === undefined) {
      callback(Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if (options.all) callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, first.address, first.family);
  };
}
