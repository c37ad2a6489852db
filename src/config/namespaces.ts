import { type ConfigFactory, type ConfigType, registerAs } from '@nestjs/config';
import type { Config } from './config.schema.js';

// One @nestjs/config namespace per section of the validated configuration. A module injects only
// the section it reads:
//
//   constructor(@Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>) {}
//
// The file is read and validated before Nest starts (config.loader.ts: every offending path with
// the file, exit code 2), so a bad file never half-boots the application. The namespaces below
// are therefore the injection tokens and the types; the factories Nest calls are made per
// application by namespaceLoaders(config), under the same names and so the same KEYs, and each
// returns its already-frozen section. A static factory reading a module-level "current config"
// instead would let two applications in one process (the e2e suites boot several) see each
// other's configuration.
//
// `data_dir`, the one top-level scalar, has no namespace: only the TLS set-up reads it, before Nest.
// XMPP settings are per domain (`domains[].xmpp`) and reach the xmpp module
// through `domainsConfig` / Domains, so they need no namespace of their own.

type Section = Exclude<keyof Config, 'data_dir'>;

function namespace<K extends Section>(name: K) {
  return registerAs(name, (): Config[K] => {
    throw new Error(`the "${name}" configuration namespace is bound by AppConfigModule.forRoot(loaded), not loaded on its own`);
  });
}

export const domainsConfig = namespace('domains');
export const serverConfig = namespace('server');
export const securityConfig = namespace('security');
export const openidConfig = namespace('openid');
export const realmConfig = namespace('realm');
export const databaseConfig = namespace('database');
export const secretsConfig = namespace('secrets');
export const oidcConfig = namespace('oidc');
export const loggingConfig = namespace('logging');
export const uiConfig = namespace('ui');

// Every section of the schema has its namespace: a section added without one fails to compile.
const SECTIONS = Object.keys({
  domains: domainsConfig,
  server: serverConfig,
  security: securityConfig,
  openid: openidConfig,
  realm: realmConfig,
  database: databaseConfig,
  secrets: secretsConfig,
  oidc: oidcConfig,
  logging: loggingConfig,
  ui: uiConfig,
} satisfies Record<Section, unknown>) as Section[];

/** The `load:` factories for ConfigModule.forRoot: each section of `config`, already validated and frozen. */
export function namespaceLoaders(config: Config): ConfigFactory[] {
  return SECTIONS.map((name) => registerAs(name, () => config[name]));
}

// The section types, for code that receives a section as an argument rather than by injection.
export type DomainsConfig = ConfigType<typeof domainsConfig>;
export type ServerConfig = ConfigType<typeof serverConfig>;
export type SecurityConfig = ConfigType<typeof securityConfig>;
export type OpenidConfig = ConfigType<typeof openidConfig>;
export type RealmConfig = ConfigType<typeof realmConfig>;
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
export type SecretsConfig = ConfigType<typeof secretsConfig>;
export type OidcConfig = ConfigType<typeof oidcConfig>;
export type LoggingConfig = ConfigType<typeof loggingConfig>;
export type UiConfig = ConfigType<typeof uiConfig>;
