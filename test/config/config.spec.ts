import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService, type ConfigType } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { ConfigError, DEVELOPMENT_DEFAULTS, loadConfig, parseConfig, parseYaml, type LoadedConfig } from '../../src/config/config.loader.js';
import { AppConfigModule } from '../../src/config/config.module.js';
import { Domains } from '../../src/config/domains.js';
import { renderExampleConfig } from '../../src/config/example-config.js';
import {
  databaseConfig,
  domainsConfig,
  loggingConfig,
  openidConfig,
  realmConfig,
  securityConfig,
  serverConfig,
  uiConfig,
} from '../../src/config/namespaces.js';

function dirWith(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'op-config-'));
  writeFileSync(join(dir, 'op.yaml'), yaml);
  return dir;
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const MINIMAL = `domains:\n  - name: example.org\n    base_url: https://example.org\n`;

describe('configuration loading', () => {
  it('uses the built-in development defaults when no file exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-config-'));
    const { config, file } = loadConfig({}, dir);
    expect(file).toBeNull();
    expect(config.domains).toEqual(DEVELOPMENT_DEFAULTS.domains);
    expect(config.server.tls).toBe('auto');
    expect(config.server.port).toBe(8443);
    expect(config.security.https_only).toBe(true);
    expect(config.database.url).toBeUndefined();
  });

  it('reads the file named by OPENID_PROVIDER_CONFIG and fills in defaults', () => {
    const dir = dirWith(MINIMAL);
    const { config, file } = loadConfig({ OPENID_PROVIDER_CONFIG: 'op.yaml' }, dir);
    expect(file).toBe(join(dir, 'op.yaml'));
    expect(config.server.tls).toBeUndefined(); // absent: plain HTTP behind a proxy
    expect(config.security.session).toEqual({ idle_timeout: 1800, absolute_timeout: 43_200, remember_me_timeout: 2_592_000 });
    expect(config.security.password_hash).toEqual({ memory_kib: 19456, time_cost: 2, parallelism: 1 });
    expect(Object.isFrozen(config.security.session)).toBe(true);
  });

  it('fails when OPENID_PROVIDER_CONFIG names a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-config-'));
    expect(problemsOf(() => loadConfig({ OPENID_PROVIDER_CONFIG: 'nope.yaml' }, dir))).toEqual(['file not found (named by OPENID_PROVIDER_CONFIG)']);
  });

  it('lets DATABASE_URL and LOG_LEVEL override the file', () => {
    const dir = dirWith(`${MINIMAL}database:\n  url: postgres://a@b/c\nlogging:\n  level: info\n`);
    const { config } = loadConfig({ OPENID_PROVIDER_CONFIG: 'op.yaml', DATABASE_URL: 'postgres://x@y/z', LOG_LEVEL: 'warn' }, dir);
    expect(config.database.url).toBe('postgres://x@y/z');
    expect(config.logging.level).toBe('warn');
  });

  it('names the file and a misspelled key in the error', () => {
    const dir = dirWith(`${MINIMAL}securty:\n  https_only: false\n`);
    try {
      loadConfig({ OPENID_PROVIDER_CONFIG: 'op.yaml' }, dir);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(join(dir, 'op.yaml'));
      expect((error as ConfigError).problems).toEqual(['securty: unknown option']);
    }
  });

  it('lists every offending path at once', () => {
    const problems = problemsOf(() =>
      parseConfig(
        {
          domains: [{ name: 'Example.ORG', base_url: 'https://example.org/path', extra: 1 }],
          server: { port: 70000, trusted_proxies: ['10.0.0.0/33', 'not-an-ip'], tls: { cert: '/c' } },
          security: { https_only: 'yes', session: { idle_timeout: '10 minutes' }, password_hash: { memory_kib: 1024 } },
          database: { url: 'mysql://x' },
          logging: { level: 'loud' },
        },
        null,
      ),
    );
    const paths = problems.map((p) => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'domains.0.name',
        'domains.0.base_url',
        'domains.0.extra',
        'server.port',
        'server.trusted_proxies.0',
        'server.trusted_proxies.1',
        'server.tls',
        'security.https_only',
        'security.session.idle_timeout',
        'security.password_hash.memory_kib',
        'database.url',
        'logging.level',
      ]),
    );
  });

  it('never echoes a sensitive value in its messages (database.url)', () => {
    const problems = problemsOf(() => parseConfig({ domains: [{ name: 'a.org', base_url: 'https://a.org' }], database: { url: 'mysql://op:hunter2@db/op' } }, null));
    expect(problems).toEqual(['database.url: expected a postgres:// URL']);
  });

  it('requires at least one domain and refuses duplicates', () => {
    expect(problemsOf(() => parseConfig({}, null))).toEqual([expect.stringMatching(/^domains: /)]);
    expect(problemsOf(() => parseConfig({ domains: [] }, null))).toEqual(['domains: at least one domain is required']);
    const dupes = problemsOf(() =>
      parseConfig(
        {
          domains: [
            { name: 'a.org', base_url: 'https://a.org' },
            { name: 'a.org', base_url: 'https://b.org' },
            { name: 'c.org', base_url: 'https://b.org' },
          ],
        },
        null,
      ),
    );
    expect(dupes).toEqual(['domains.1.name: domain a.org is listed twice', 'domains.2.base_url: host b.org already serves domain a.org']);
  });

  it('refuses an http:// base_url while https_only is on, and accepts it when off', () => {
    const domains = [{ name: 'a.org', base_url: 'http://a.org' }];
    expect(problemsOf(() => parseConfig({ domains }, null))).toEqual(['domains.0.base_url: must be an https:// URL while security.https_only is on']);
    expect(parseConfig({ domains, security: { https_only: false } }, null).domains[0]!.base_url).toBe('http://a.org');
  });

  it('parses durations in seconds or with units', () => {
    const config = parseConfig({ domains: [{ name: 'a.org', base_url: 'https://a.org' }], security: { session: { idle_timeout: '90s', absolute_timeout: '2h', remember_me_timeout: 86400 } } }, null);
    expect(config.security.session).toEqual({ idle_timeout: 90, absolute_timeout: 7200, remember_me_timeout: 86400 });
  });

  it("gives the bot's reconnection back-off defaults, takes an operator's, and refuses a first wait above the longest", () => {
    const xmppDomain = (xmpp: Record<string, unknown>) => ({ domains: [{ name: 'a.org', base_url: 'https://a.org', xmpp }] });
    expect(parseConfig(xmppDomain({}), null).domains[0]!.xmpp!.bot_reconnect).toEqual({ initial: 1, max: 300 });
    expect(parseConfig(xmppDomain({ bot_reconnect: { initial: '5s', max: '1h' } }), null).domains[0]!.xmpp!.bot_reconnect).toEqual({ initial: 5, max: 3600 });
    expect(problemsOf(() => parseConfig(xmppDomain({ bot_reconnect: { initial: '10m', max: '1m' } }), null))).toEqual(['domains.0.xmpp.bot_reconnect: initial must not exceed max']);
  });

  it('offers passkey-only sign-in by default, lets the operator turn it off, and refuses a non-boolean', () => {
    const domains = [{ name: 'a.org', base_url: 'https://a.org' }];
    expect(parseConfig({ domains }, null).security.passkeys).toEqual({ sign_in: true });
    expect(parseConfig({ domains, security: { passkeys: { sign_in: false } } }, null).security.passkeys.sign_in).toBe(false);
    expect(problemsOf(() => parseConfig({ domains, security: { passkeys: { sign_in: 'no' } } }, null))[0]).toMatch(/^security\.passkeys\.sign_in: /);
    expect(problemsOf(() => parseConfig({ domains, security: { passkeys: { signin: true } } }, null))[0]).toMatch(/^security\.passkeys/);
  });

  it('reports YAML syntax errors and duplicated keys with the file name', () => {
    expect(problemsOf(() => parseYaml('domains: [\n', 'f.yaml'))[0]).toMatch(/^YAML: /);
    expect(problemsOf(() => parseYaml('a: 1\na: 2\n', 'f.yaml'))[0]).toMatch(/^YAML: .*[Mm]ap keys must be unique/);
  });
});

describe('config/openid-provider.example.yaml', () => {
  const committed = readFileSync(new URL('../../config/openid-provider.example.yaml', import.meta.url), 'utf8');

  it('is exactly what the schema generates (npm run config:example)', () => {
    expect(committed).toBe(renderExampleConfig());
  });

  it('is a valid configuration whose values are the defaults', () => {
    const parsed = parseConfig(parseYaml(committed, 'example'), 'example');
    const defaults = parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }] }, null);
    // Lists of objects show their example as an entry: the domain (required anyway) and one
    // OpenID Connect client (the default is none).
    expect(parsed.oidc.clients.map((c) => c.client_id)).toEqual(['app']);
    expect({ ...parsed, oidc: { ...parsed.oidc, clients: [] } }).toEqual(defaults);
  });
});

/** A module reading one section the way src/ does. */
@Injectable()
class SecurityReader {
  constructor(@Inject(securityConfig.KEY) readonly security: ConfigType<typeof securityConfig>) {}
}

async function compileConfig(loaded: LoadedConfig): Promise<TestingModule> {
  return Test.createTestingModule({ imports: [AppConfigModule.forRoot(loaded)], providers: [SecurityReader] }).compile();
}

/** Sets environment variables for the duration of `work`, then restores the previous values. */
async function withEnv<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const before = new Map(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const LOADED: LoadedConfig = { config: parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org' }], realm: { allow_http: false } }, null), file: null };

describe(AppConfigModule.name, () => {
  it('serves each section as a registerAs namespace: the validated, frozen object itself', async () => {
    const moduleRef = await compileConfig(LOADED);
    try {
      const { config } = LOADED;
      const sections = { domains: domainsConfig, server: serverConfig, security: securityConfig, openid: openidConfig, realm: realmConfig, database: databaseConfig, logging: loggingConfig, ui: uiConfig };
      for (const [name, namespace] of Object.entries(sections)) {
        expect(namespace.KEY).toBe(`CONFIGURATION(${name})`);
        expect(moduleRef.get(namespace.KEY), name).toBe(config[name as keyof typeof sections]);
      }
      expect(Object.isFrozen(moduleRef.get(realmConfig.KEY))).toBe(true);
      expect(moduleRef.get(SecurityReader).security).toBe(config.security);
      // ConfigService reads the same objects by path.
      const service = moduleRef.get(ConfigService);
      expect(service.get('realm')).toBe(config.realm);
      expect(service.get('realm.allow_http')).toBe(false);
      expect(service.get('security.session.idle_timeout')).toBe(1800);
    } finally {
      await moduleRef.close();
    }
  });

  it('gives every application its own configuration (two in one process, as in the e2e suites)', async () => {
    const other: LoadedConfig = { config: parseConfig({ domains: [{ name: 'other.example', base_url: 'https://other.example' }], security: { session: { idle_timeout: '5m' } } }, null), file: null };
    const [a, b] = await Promise.all([compileConfig(LOADED), compileConfig(other)]);
    try {
      expect(a.get(SecurityReader).security.session.idle_timeout).toBe(1800);
      expect(b.get(SecurityReader).security.session.idle_timeout).toBe(300);
      expect(a.get(Domains).byName('other.example')).toBeUndefined();
      expect(b.get(Domains).byName('other.example')?.base_url).toBe('https://other.example');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('has namespaces that cannot be loaded on their own (they are bound to a loaded configuration)', () => {
    expect(() => securityConfig()).toThrow(/AppConfigModule\.forRoot/);
  });

  describe('never falls back to process.env', () => {
    // Named like configuration paths that the loaded configuration leaves unset (database.url
    // and ui.logo are optional), like the documented overrides, and like nothing at all.
    const ENV = { 'database.url': 'postgres://env:leak@db/leak', 'ui.logo': '/env/logo.svg', DATABASE_URL: 'postgres://env:leak@db/leak', LOG_LEVEL: 'trace', OPENID_TEST_UNRELATED: 'leak' };

    it('control: a ConfigService without skipProcessEnv would read these variables', async () => {
      await withEnv(ENV, async () => {
        const unguarded = new ConfigService({});
        expect(unguarded.get('database.url')).toBe(ENV['database.url']);
        expect(unguarded.get('OPENID_TEST_UNRELATED')).toBe('leak');
      });
    });

    it('ConfigService.get sees the loaded sections only', async () => {
      await withEnv(ENV, async () => {
        const moduleRef = await compileConfig(LOADED);
        try {
          const service = moduleRef.get(ConfigService);
          expect(service.get('database.url')).toBeUndefined();
          expect(service.get('ui.logo')).toBeUndefined();
          expect(service.get('DATABASE_URL')).toBeUndefined();
          expect(service.get('LOG_LEVEL')).toBeUndefined();
          expect(service.get('OPENID_TEST_UNRELATED')).toBeUndefined();
          expect(service.get('logging.level')).toBe(LOADED.config.logging.level);
          expect(moduleRef.get(databaseConfig.KEY).url).toBeUndefined();
        } finally {
          await moduleRef.close();
        }
      });
    });

    it('reads no .env file and writes nothing to process.env', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'op-dotenv-'));
      writeFileSync(join(dir, '.env'), 'OPENID_TEST_FROM_DOTENV=leak\ndatabase.url=postgres://dotenv:leak@db/leak\n');
      const cwd = process.cwd();
      const before = { ...process.env };
      process.chdir(dir);
      try {
        const moduleRef = await compileConfig(LOADED);
        try {
          const service = moduleRef.get(ConfigService);
          expect(service.get('OPENID_TEST_FROM_DOTENV')).toBeUndefined();
          expect(service.get('database.url')).toBeUndefined();
        } finally {
          await moduleRef.close();
        }
      } finally {
        process.chdir(cwd);
      }
      expect(process.env).toEqual(before);
    });

    it('DATABASE_URL, LOG_LEVEL and OPENID_PROVIDER_CONFIG still apply, through the loader', async () => {
      const dir = dirWith(`${MINIMAL}database:\n  url: postgres://file:secret@db/file\n`);
      // Variables named like other options are not overrides: they change nothing.
      const env = { OPENID_PROVIDER_CONFIG: 'op.yaml', DATABASE_URL: 'postgres://env:secret@db/env', LOG_LEVEL: 'debug', PORT: '1', SERVER_PORT: '1', HTTPS_ONLY: 'false', 'security.https_only': 'false' };
      const loaded = loadConfig(env, dir);
      expect(loaded.file).toBe(join(dir, 'op.yaml'));
      const moduleRef = await compileConfig(loaded);
      try {
        expect(moduleRef.get(databaseConfig.KEY).url).toBe('postgres://env:secret@db/env');
        expect(moduleRef.get(loggingConfig.KEY).level).toBe('debug');
        expect(moduleRef.get(serverConfig.KEY).port).toBe(8443);
        expect(moduleRef.get(securityConfig.KEY).https_only).toBe(true);
      } finally {
        await moduleRef.close();
      }
    });
  });
});

describe(Domains.name, () => {
  it('finds a domain by the Host of its base_url (case and trailing dot ignored) and by name', () => {
    const domains = new Domains(parseConfig({ domains: [{ name: 'a.example', base_url: 'https://id.a.example:8443' }, { name: 'b.example', base_url: 'https://b.example' }] }, null).domains);
    expect(domains.forHost('ID.A.Example.')?.name).toBe('a.example');
    expect(domains.forHost('a.example')).toBeUndefined();
    expect(domains.byName('B.EXAMPLE')?.base_url).toBe('https://b.example');
    expect(domains.byName('c.example')).toBeUndefined();
  });
});
