import type { Config, DomainConfig } from './config.schema.js';

/**
 * The validated, frozen configuration, injected wherever a setting is needed. Nothing else in
 * src/ reads process.env or the YAML file.
 */
export class AppConfigService {
  private readonly domainsByHost: ReadonlyMap<string, DomainConfig>;

  constructor(
    private readonly config: Config,
    /** Path of the file the configuration came from; null for the built-in development defaults. */
    readonly file: string | null,
  ) {
    this.domainsByHost = new Map(config.domains.map((d) => [new URL(d.base_url).hostname, d]));
  }

  get<K extends keyof Config>(key: K): Config[K] {
    return this.config[key];
  }

  get all(): Config {
    return this.config;
  }

  /** The configured domain whose base_url host is `hostname` (case-insensitive, trailing dot ignored). */
  domainForHost(hostname: string): DomainConfig | undefined {
    return this.domainsByHost.get(hostname.toLowerCase().replace(/\.$/, ''));
  }

  domainByName(name: string): DomainConfig | undefined {
    return this.config.domains.find((d) => d.name === name.toLowerCase());
  }
}
