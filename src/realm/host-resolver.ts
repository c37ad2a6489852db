import { lookup } from 'node:dns/promises';
import { Injectable } from '@nestjs/common';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * DNS as an injectable side effect: safe-fetch.ts resolves every host through this, checks every
 * address, then connects to a checked one. Production uses the system resolver (dns.lookup, so
 * /etc/hosts and the platform's resolver configuration apply, as for any other client on the host);
 * tests substitute a table so that names like www.example.test reach 127.0.0.1.
 */
@Injectable()
export class HostResolver {
  /** Every address of `hostname`, in the resolver's order. Rejects with the resolver's error (ENOTFOUND...). */
  async resolve(hostname: string): Promise<readonly ResolvedAddress[]> {
    const results = await lookup(hostname, { all: true, verbatim: true });
    return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
  }
}
