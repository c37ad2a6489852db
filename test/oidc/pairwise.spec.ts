import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { inject } from 'vitest';
import type { ConfigInput } from '../../src/config/config.schema.js';
import { pairwiseSubject } from '../../src/protocol/pairwise.js';
import { KeyRing } from '../../src/secrets/key-ring.js';
import { pairwiseKey } from '../../src/secrets/pairwise-key.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, type BrowserResponse, startProvider, type LiveProvider } from '../helpers/live.js';
import { testConfig, uniqueName } from '../helpers/test-app.js';

// OpenID Connect Core 1.0 §8.1 pairwise subjects, end to end with openid-client as the RP: one
// `sub` per sector, stable across sign-ins and a restart on the same database, the same in the ID
// token and at userinfo; refresh, "always allow" with prompt=none and id_token_hint, and
// RP-initiated logout with id_token_hint all still find the person behind it.

const PASSWORD = 'a plague on both your houses';
const SECRET = 'a-confidential-client-secret-of-forty-two!';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// alpha: sector 127.0.0.1:9 (its one redirect host). beta: redirect URIs on two hosts, so its
// sector is the host of its sector_identifier_uri. pub: public subjects.
const REDIRECT = { alpha: 'http://127.0.0.1:9/alpha', beta: 'http://localhost:9/beta', pub: 'http://127.0.0.1:9/pub' } as const;
type ClientId = keyof typeof REDIRECT;

function clients(secretFile: string): NonNullable<NonNullable<ConfigInput['oidc']>['clients']> {
  return [
    { client_id: 'alpha', client_name: 'Alpha', redirect_uris: [REDIRECT.alpha], post_logout_redirect_uris: ['http://127.0.0.1:9/bye'], client_secret_file: secretFile, subject_type: 'pairwise' },
    {
      client_id: 'beta',
      client_name: 'Beta',
      redirect_uris: [REDIRECT.beta, 'http://127.0.0.1:9/beta'],
      client_secret_file: secretFile,
      subject_type: 'pairwise',
      sector_identifier_uri: 'https://beta.example/sector.json',
    },
    { client_id: 'pub', client_name: 'Public subjects', redirect_uris: [REDIRECT.pub], client_secret_file: secretFile },
  ];
}

describe('OpenID Connect pairwise subjects', () => {
  let op: LiveProvider | undefined;
  let secretFile: string;
  let database: ConfigInput['database'];
  let username: string;
  let userId: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-pairwise-'));
    secretFile = join(dir, 'client.secret');
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
    // The same database across the restart: the run's PostgreSQL one, or PGlite in a directory.
    database = inject('databaseUrl') === null ? { embedded_dir: join(dir, 'db') } : {};
    op = await startProvider({ database, oidc: { clients: clients(secretFile) } });
    username = uniqueName('mercutio');
    userId = (await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD })).id;
  });
  afterAll(async () => {
    await op?.close();
  });

  const rp = (id: ClientId) => client.discovery(new URL(op!.base), id, undefined, client.ClientSecretBasic(SECRET));

  async function signIn(id: ClientId, browser = new Browser(), extra: Record<string, string> = {}, decision = 'allow_once') {
    const config = await rp(id);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT[id], scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...extra });
    let page: BrowserResponse = await browser.follow(url.href, op!.base);
    for (let i = 0; i < 4 && page.status === 200; i++) {
      if (page.body.includes('name="password"')) page = await browser.follow('', op!.base, await browser.submit(page, { username, password: PASSWORD }));
      else if (page.body.includes('name="decision"')) page = await browser.follow('', op!.base, await browser.submit(page, { decision }));
    }
    expect(page.status, page.body.slice(0, 300)).toBeGreaterThanOrEqual(300);
    const tokens = await client.authorizationCodeGrant(config, new URL(String(page.headers.location)), { pkceCodeVerifier: verifier, expectedState: state });
    return { config, tokens, sub: tokens.claims()!.sub, browser };
  }

  it('lists pairwise in discovery (subject_types_supported)', async () => {
    const meta = (await rp('alpha')).serverMetadata();
    expect(meta.subject_types_supported).toEqual(['public', 'pairwise']);
  });

  it('gives two sectors different subs for one person, neither the account id; a public client gets the UUID', async () => {
    const alpha = await signIn('alpha');
    const beta = await signIn('beta');
    const pub = await signIn('pub');
    expect(pub.sub).toBe(userId);
    expect(pub.sub).toMatch(UUID);
    // HMAC-SHA256, base64url: 43 characters.
    expect(alpha.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(beta.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(alpha.sub).not.toBe(beta.sub);
    expect(alpha.sub).not.toContain(userId);
    // OpenID Connect Core 1.0 §5.3.2: userinfo's sub is the ID token's (openid-client checks it too).
    for (const { config, tokens, sub } of [alpha, beta, pub]) {
      expect((await client.fetchUserInfo(config, tokens.access_token, sub)).sub).toBe(sub);
    }
  });

  it('derives the sub as the private identifiers of OpenID 2.0 are derived (src/protocol/pairwise.ts, one key)', async () => {
    // The sector of a config client: the host of its redirect URIs, or of its sector_identifier_uri.
    const key = pairwiseKey(op!.app.get(KeyRing));
    expect((await signIn('alpha')).sub).toBe(pairwiseSubject(key, '127.0.0.1:9', userId));
    expect((await signIn('beta')).sub).toBe(pairwiseSubject(key, 'beta.example', userId));
  });

  it('beta: every redirect URI of the sector gives the same sub', async () => {
    const viaLocalhost = await signIn('beta');
    const config = await rp('beta');
    const verifier = client.randomPKCECodeVerifier();
    const browser = new Browser();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: 'http://127.0.0.1:9/beta', scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: 's' });
    let page = await browser.follow(url.href, op!.base);
    for (let i = 0; i < 4 && page.status === 200; i++) {
      if (page.body.includes('name="password"')) page = await browser.follow('', op!.base, await browser.submit(page, { username, password: PASSWORD }));
      else if (page.body.includes('name="decision"')) page = await browser.follow('', op!.base, await browser.submit(page, { decision: 'allow_once' }));
    }
    const tokens = await client.authorizationCodeGrant(config, new URL(String(page.headers.location)), { pkceCodeVerifier: verifier, expectedState: 's' });
    expect(tokens.claims()!.sub).toBe(viaLocalhost.sub);
  });

  it('keeps the sub across refresh; "always allow" then prompt=none with id_token_hint signs in silently', async () => {
    const first = await signIn('alpha', new Browser(), { scope: 'openid offline_access', prompt: 'consent' }, 'allow_always');
    const refreshed = await client.refreshTokenGrant(first.config, first.tokens.refresh_token!);
    expect(refreshed.claims()!.sub).toBe(first.sub);
    expect((await client.fetchUserInfo(first.config, refreshed.access_token, first.sub)).sub).toBe(first.sub);
    // OpenID Connect Core 1.0 §3.1.2.1: id_token_hint names the End-User by the sub this client knows.
    const silent = await signIn('alpha', first.browser, { prompt: 'none', id_token_hint: first.tokens.id_token! });
    expect(silent.sub).toBe(first.sub);
  });

  it('RP-initiated logout with a pairwise id_token_hint', async () => {
    const { config, tokens, browser } = await signIn('alpha');
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/bye', state: 'bye' });
    const page = await browser.follow(url.href, op!.base);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Alpha');
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body)!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(form[2]!)![1]!;
    const done = await browser.request('POST', new URL(form[1]!, op!.base).href, { xsrf, logout: 'yes' });
    expect(done.status).toBe(303);
    expect(String(done.headers.location)).toBe('http://127.0.0.1:9/bye?state=bye');
    const again = await browser.follow(`${op!.base}/login`, op!.base);
    expect(again.body).toContain('name="password"');
  });

  it('gives the same sub on every sign-in and after a restart on the same database; discovery without pairwise clients lists public only', async () => {
    const before = await signIn('alpha');
    expect((await signIn('alpha')).sub).toBe(before.sub);
    await op!.close();
    op = undefined;
    // In between, a start without pairwise clients: discovery lists only public (one embedded
    // database per process, so on the same one).
    op = await startProvider({ database, oidc: { clients: [clients(secretFile)[2]!] } });
    expect((await rp('pub')).serverMetadata().subject_types_supported).toEqual(['public']);
    await op.close();
    op = undefined;
    op = await startProvider({ database, oidc: { clients: clients(secretFile) } });
    expect((await signIn('alpha')).sub).toBe(before.sub);
    expect((await signIn('pub')).sub).toBe(userId);
  });

  it('refuses at boot a pairwise client whose redirect URIs span hosts without sector_identifier_uri', () => {
    const base = { client_id: 'multi', client_name: 'Multi', redirect_uris: ['https://a.example/cb', 'https://b.example/cb'] };
    expect(() => testConfig({ oidc: { clients: [{ ...base, subject_type: 'pairwise' }] } })).toThrow(
      /oidc\.clients\.0\.sector_identifier_uri.*pairwise and its redirect URIs span several hosts: sector_identifier_uri is required \(OpenID Connect Core 1\.0 §8\.1\)/s,
    );
    expect(() => testConfig({ oidc: { clients: [{ ...base, subject_type: 'pairwise', sector_identifier_uri: 'http://a.example/s.json' }] } })).toThrow(/must be an https:\/\/ URL/);
    expect(() => testConfig({ oidc: { clients: [{ ...base, redirect_uris: ['https://a.example/cb'], sector_identifier_uri: 'https://a.example/s.json' }] } })).toThrow(/only for subject_type pairwise/);
    expect(() => testConfig({ oidc: { clients: [{ ...base, subject_type: 'sometimes' as 'public' }] } })).toThrow(/subject_type/);
    // One host, or several with a sector_identifier_uri: accepted.
    expect(() => testConfig({ oidc: { clients: [{ ...base, subject_type: 'pairwise', sector_identifier_uri: 'https://a.example/s.json' }] } })).not.toThrow();
    expect(() => testConfig({ oidc: { clients: [{ ...base, redirect_uris: ['https://a.example/cb', 'https://a.example/2'], subject_type: 'pairwise' }] } })).not.toThrow();
  });
});
