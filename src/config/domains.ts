import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { DomainConfig } from './config.schema.js';
import { domainsConfig } from './namespaces.js';

/** The configured domains, looked up by the Host a request names or by XMPP domain name. */
@Injectable()
export class Domains {
  private readonly byHost: ReadonlyMap<string, DomainConfig>;

  constructor(@Inject(domainsConfig.KEY) readonly all: ConfigType<typeof domainsConfig>) {
    this.byHost = new Map(all.map((d) => [new URL(d.base_url).hostname, d]));
  }

  /** The domain whose base_url host is `hostname` (case-insensitive, trailing dot ignored). */
  forHost(hostname: string): DomainConfig | undefined {
    return this.byHost.get(hostname.toLowerCase().replace(/\.$/, ''));
  }

  /** The domain named `name` (case-insensitive: domain names are, and the schema stores them lowercase). */
  byName(name: string): DomainConfig | undefined {
    return this.all.find((d) => d.name === name.toLowerCase());
  }
}
