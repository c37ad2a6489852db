import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEVELOPMENT_DEFAULTS, loadConfig, parseConfig, parseYaml } from '../../src/config/config.loader.js';
import { renderExampleConfig } from '../../src/config/example-config.js';

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
    expect(parsed).toEqual(defaults);
  });
});
