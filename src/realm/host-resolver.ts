import { Resolver } from 'node:dns/promises';
import { Injectable } from '@nestjs/common';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Answers that only mean "no address of this family". */
const NO_ADDRESS = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * DNS as an injectable side effect: safe-fetch.ts resolves every host through this, checks every
 * address, then connects to a checked one. Production asks the DNS servers of the host's resolver
 * configuration directly (node:dns Resolver, c-ares: asynchronous on the event loop), not
 * dns.lookup: getaddrinfo runs on libuv's threadpool, which argon2 password hashing also uses, so
 * slow DNS answers for relying parties would hold up sign-ins. /etc/hosts is not consulted, except
 * that localhost names are loopback (RFC 6761 §6.3), which the SSRF guard then refuses. Tests
 * substitute a table so that names like www.example.test reach 127.0.0.1.
 */
/** One per process: each query waits at most 2 s for an answer, and is sent twice (README "Limits"). */
export const DNS_QUERY = { timeoutMs: 2000, tries: 2 } as const;
const resolver = new Resolver({ timeout: DNS_QUERY.timeoutMs, tries: DNS_QUERY.tries });

@Injectable()
export class HostResolver {
  /** Every address of `hostname`, IPv4 then IPv6. Rejects with the resolver's error (ENOTFOUND...). */
  async resolve(hostname: string): Promise<readonly ResolvedAddress[]> {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    // RFC 6761 §6.3: "localhost." and names under it are the loopback addresses.
    if (name === 'localhost' || name.endsWith('.localhost')) return [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }];
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length > 0) return addresses;
    const failures = [v4, v6].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as NodeJS.ErrnoException);
    // A real failure (SERVFAIL, timeout, refused) says more than "no such name".
    throw failures.find((e) => !NO_ADDRESS.has(String(e.code))) ?? failures[0] ?? Object.assign(new Error(`${name} has no address`), { code: 'ENODATA' });
  }
}
