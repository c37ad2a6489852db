import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigError, parseConfig } from '../../src/config/config.loader.js';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { OidcClientError } from '../../src/oidc/oidc-clients.js';
import { OidcProviders } from '../../src/oidc/oidc-providers.js';
import { bootApp, testConfig } from '../helpers/test-app.js';

// oidc.clients is validated like every other option (a bad value stops start-up naming its path),
// and the secret files are read at start-up: a missing or weak one stops it too, naming the file,
// never showing the secret.

const DOMAIN = { name: 'example.org', base_url: 'https://example.org' };
type Client = NonNullable<NonNullable<ConfigInput['oidc']>['clients']>[number];

function problems(clients: Client[], domains: ConfigInput['domains'] = [DOMAIN]): readonly string[] {
  try {
    parseConfig({ domains, oidc: { clients } }, 'op.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

const client = (over: Partial<Client> = {}): Client => ({ client_id: 'app', client_name: 'App', redirect_uris: ['https://app.example/cb'], ...over });

describe('oidc.clients validation', () => {
  it('defaults: no client, registration off, the lifetimes of the brief', () => {
    const { oidc } = parseConfig({ domains: [DOMAIN] }, null);
    expect(oidc.clients).toEqual([]);
    expect(oidc.registration.enabled).toBe(false);
    expect(oidc.lifetimes).toEqual({ code: 60, access_token: 3600, id_token: 3600, refresh_token: 14 * 86_400, interaction: 3600 });
  });

  it('accepts https and loopback http redirect URIs (RFC 8252 §7.3)', () => {
    expect(problems([client({ redirect_uris: ['https://app.example/cb', 'http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://localhost:3000/cb'] })])).toEqual([]);
  });

  it('refuses http on a non-loopback host, fragments, credentials, relative URIs', () => {
    expect(problems([client({ redirect_uris: ['http://app.example/cb', 'https://app.example/cb#x', 'https://u:p@app.example/cb', '/cb'] })])).toEqual([
      'oidc.clients.0.redirect_uris.0: must be https:// (http:// only on a loopback host: 127.0.0.1, [::1], localhost; RFC 8252 §7.3, RFC 9700 §2.1)',
      'oidc.clients.0.redirect_uris.1: must not have a fragment (RFC 6749 §3.1.2)',
      'oidc.clients.0.redirect_uris.2: must not carry credentials',
      'oidc.clients.0.redirect_uris.3: expected an absolute URL such as https://app.example/callback',
    ]);
    expect(problems([client({ post_logout_redirect_uris: ['http://app.example/bye'] })])[0]).toMatch(/^oidc\.clients\.0\.post_logout_redirect_uris\.0: must be https:\/\//);
    expect(problems([client({ redirect_uris: ['javascript:alert(1)'] })])).toEqual(['oidc.clients.0.redirect_uris.0: must be an https:// URL (RFC 9700 §2.1)']);
  });

  it('refuses a client without redirect URIs, a client_id with a space, an unknown key (a secret written inline)', () => {
    expect(problems([client({ redirect_uris: [] })])).toEqual(['oidc.clients.0.redirect_uris: at least one redirect URI is required']);
    expect(problems([client({ client_id: 'my app' })])).toEqual(['oidc.clients.0.client_id: printable ASCII without spaces (RFC 6749 §A.1)']);
    const inline = problems([{ ...client(), client_secret: 'hunter2-hunter2' } as Client]);
    expect(inline).toEqual(['oidc.clients.0.client_secret: unknown option']);
    expect(inline.join('\n')).not.toContain('hunter2');
  });

  it('refuses a domain that is not configured and a client_id registered twice on one domain', () => {
    expect(problems([client({ domains: ['other.example'] })])).toEqual(['oidc.clients.0.domains.0: other.example is not a configured domain']);
    expect(problems([client(), client()])).toEqual(['oidc.clients.1.client_id: client app is already registered on example.org (oidc.clients.0)']);
    // The same client_id on two different domains is two clients.
    const two = [DOMAIN, { name: 'example.net', base_url: 'https://example.net' }];
    expect(problems([client({ domains: ['example.org'] }), client({ domains: ['example.net'] })], two)).toEqual([]);
  });
});

describe('oidc client secrets at start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-oidc-secret-'));

  it('stops start-up on a missing secret file, naming the client and the file', async () => {
    const missing = join(dir, 'missing.secret');
    const error = await bootApp(testConfig({ oidc: { clients: [client({ client_secret_file: missing })] } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OidcClientError);
    expect((error as Error).message).toBe(`oidc.clients.0 (app): cannot read secret file ${missing}: ENOENT`);
  });

  it('stops start-up on a short secret, without showing it', async () => {
    const file = join(dir, 'short.secret');
    writeFileSync(file, 'tooshort\n', { mode: 0o600 });
    const error = await bootApp(testConfig({ oidc: { clients: [client({ client_secret_file: file })] } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OidcClientError);
    expect((error as Error).message).toContain('shorter than 32 characters');
    expect((error as Error).message).not.toContain('tooshort');
  });

  it('reads a good secret, and neither the registered clients nor any log line show it', async () => {
    const file = join(dir, 'good.secret');
    const secret = 'S3cr3t-value-that-must-never-be-logged-42';
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    let logged = '';
    const sink = new Writable({ write: (chunk: Buffer, _e, cb) => ((logged += chunk.toString()), cb()) });
    // Reached through a trusted proxy saying https (inject comes from 127.0.0.1).
    const config = testConfig({ oidc: { clients: [client({ client_secret_file: file })] }, server: { trusted_proxies: ['127.0.0.1'] }, logging: { level: 'trace' } });
    const t = await bootApp(config, pino({ level: 'trace' }, sink));
    try {
      const providers = t.app.get(OidcProviders);
      expect(JSON.stringify(providers.registeredClients())).not.toContain(secret);
      const token = (password: string) =>
        t.app.inject({
          method: 'POST',
          url: '/oidc/token',
          headers: { host: 'example.org', 'x-forwarded-proto': 'https', authorization: `Basic ${Buffer.from(`app:${password}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fapp.example%2Fcb',
        });
      // RFC 6749 §5.2: a wrong secret is invalid_client (401); the right one gets as far as the code.
      const wrong = await token('not-the-secret-at-all-not-the-secret');
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({ error: 'invalid_client' });
      const right = await token(secret);
      expect(right.statusCode).toBe(400);
      expect(right.json()).toMatchObject({ error: 'invalid_grant' });
      expect(logged).toContain('"reqId"');
      expect(logged).not.toContain(secret);
    } finally {
      await t.close();
    }
  });
});
