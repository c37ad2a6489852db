import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { startProvider, type LiveProvider } from '../helpers/live.js';
import { bootApp, testConfig } from '../helpers/test-app.js';

// OpenID Connect Discovery 1.0 §4 through a real relying party library (openid-client) over real
// HTTPS: the document, its issuer (= the domain's base_url) and what it offers and does not.

describe('OpenID Connect discovery', () => {
  let op: LiveProvider;
  const secretFile = join(mkdtempSync(join(tmpdir(), 'op-oidc-')), 'app.secret');

  beforeAll(async () => {
    writeFileSync(secretFile, 'a-confidential-client-secret-of-40-chars!\n', { mode: 0o600 });
    op = await startProvider({
      oidc: {
        clients: [
          { client_id: 'spa', client_name: 'Single-page app', redirect_uris: ['http://127.0.0.1:9/callback'] },
          { client_id: 'web', client_name: 'Web app', redirect_uris: ['https://app.example/callback'], client_secret_file: secretFile },
        ],
      },
    });
  });
  afterAll(async () => {
    await op?.close();
  });

  it('serves {base}/.well-known/openid-configuration with issuer {base} and endpoints under /oidc/', async () => {
    const config = await client.discovery(new URL(op.base), 'spa', undefined, client.None());
    const meta = config.serverMetadata();
    // OpenID Connect Discovery 1.0 §4.3: the issuer must be exactly the URL the document was asked of.
    expect(meta.issuer).toBe(op.base);
    expect(meta.authorization_endpoint).toBe(`${op.base}/oidc/auth`);
    expect(meta.token_endpoint).toBe(`${op.base}/oidc/token`);
    expect(meta.userinfo_endpoint).toBe(`${op.base}/oidc/me`);
    expect(meta.jwks_uri).toBe(`${op.base}/oidc/jwks`);
    expect(meta.revocation_endpoint).toBe(`${op.base}/oidc/token/revocation`);
    expect(meta.end_session_endpoint).toBe(`${op.base}/oidc/session/end`);
    // Authorization code flow only (RFC 9700 §2.1.2), PKCE S256 only (RFC 9700 §2.1.1).
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(meta.grant_types_supported).not.toContain('implicit');
    // OpenID Connect Core 1.0 §5.4: phone (phone_number, phone_number_verified) since profiles hold a number.
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access', 'profile', 'email', 'address', 'phone']));
    expect(meta.claims_supported).toEqual(expect.arrayContaining(['phone_number', 'phone_number_verified']));
    expect(meta.claims_supported).not.toContain('email_verified');
    // No dynamic registration unless configured, no introspection.
    expect(meta.registration_endpoint).toBeUndefined();
    expect(meta.introspection_endpoint).toBeUndefined();
    expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['none', 'client_secret_basic']));
  });

  it('publishes RS256 and ES256 public keys only', async () => {
    const res = await fetch(`${op.base}/oidc/jwks`);
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, string>[] };
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of keys) {
      expect(key['d']).toBeUndefined();
      expect(key['p']).toBeUndefined();
      expect(key.kid).toBeTruthy();
    }
  });

  it('gives the Connect routes the headers of every response (request id, HSTS, nosniff)', async () => {
    const res = await fetch(`${op.base}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers an unknown path under /oidc/ with a structured 404, not a bare one', async () => {
    const res = await fetch(`${op.base}/oidc/nothing-here`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; requestId: string };
    expect(body.code).toBe('not_found');
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers a host that is not a configured domain with the pipeline\'s 404', async () => {
    const res = await op.app.inject({ method: 'GET', url: '/.well-known/openid-configuration', headers: { host: 'elsewhere.example' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'unknown_domain' });
  });
});

describe('OpenID Connect authorization errors', () => {
  let op: LiveProvider;
  const redirect = 'http://127.0.0.1:9/callback';

  beforeAll(async () => {
    op = await startProvider({ oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: [redirect] }] } });
  });
  afterAll(async () => {
    await op?.close();
  });

  function authorize(params: Record<string, string>) {
    return fetch(`${op.base}/oidc/auth?${new URLSearchParams(params)}`, { redirect: 'manual', headers: { accept: 'text/html' } });
  }
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

  it('shows an unknown client on our error page with the request id, never redirecting (RFC 6749 §4.1.2.1)', async () => {
    const res = await authorize({ client_id: 'nobody', response_type: 'code', scope: 'openid', redirect_uri: redirect, code_challenge: challenge, code_challenge_method: 'S256' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<code>invalid_client</code>');
    expect(html).toContain(`<code>${res.headers.get('x-request-id')}</code>`);
    expect(html).not.toContain('fonts.googleapis.com');
  });

  it('does not redirect to an unregistered redirect_uri', async () => {
    const res = await authorize({ client_id: 'spa', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:9/elsewhere', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('<code>invalid_redirect_uri</code>');
  });

  it('refuses, to the redirect_uri, a request without PKCE, with plain PKCE, and the implicit flow', async () => {
    const base = { client_id: 'spa', scope: 'openid', redirect_uri: redirect, state: 'st' };
    for (const [params, error] of [
      [{ ...base, response_type: 'code' }, 'invalid_request'], // RFC 9700 §2.1.1: PKCE required
      [{ ...base, response_type: 'code', code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'], // RFC 7636 §4.2: S256 only
      [{ ...base, response_type: 'id_token token', nonce: 'n' }, 'unsupported_response_type'], // RFC 9700 §2.1.2
    ] as const) {
      const res = await authorize(params);
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(redirect);
      // The implicit flow's default response mode is the fragment (OAuth 2.0 Multiple Response Type Encoding Practices §5).
      const answer = location.hash ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
      expect(answer.get('error')).toBe(error);
      expect(answer.get('state')).toBe('st');
    }
  });
});

describe('one provider per domain', () => {
  const domains = [
    { name: 'montague.lit', base_url: 'https://montague.lit' },
    { name: 'capulet.lit', base_url: 'https://capulet.lit' },
  ];

  it('serves each domain its own issuer, and a client only where it is registered', async () => {
    const t = await bootApp(
      testConfig({
        domains,
        server: { trusted_proxies: ['127.0.0.1'] },
        oidc: { clients: [{ client_id: 'balcony', client_name: 'Balcony', redirect_uris: ['https://balcony.example/cb'], domains: ['capulet.lit'] }] },
      }),
    );
    try {
      // Through a trusted proxy that terminated TLS (inject comes from 127.0.0.1).
      const get = (host: string, url: string) => t.app.inject({ method: 'GET', url, headers: { host, 'x-forwarded-proto': 'https', accept: 'application/json' } });
      for (const d of domains) {
        const res = await get(d.name, '/.well-known/openid-configuration');
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ issuer: d.base_url, authorization_endpoint: `${d.base_url}/oidc/auth` });
      }
      const auth = `/oidc/auth?client_id=balcony&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://balcony.example/cb')}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`;
      const there = await get('capulet.lit', auth);
      expect(there.statusCode).toBe(303); // on to the interaction
      const elsewhere = await get('montague.lit', auth);
      expect(elsewhere.statusCode).toBe(400);
      // Not redirected (the client is unknown there): our error page.
      expect(elsewhere.headers['location']).toBeUndefined();
      expect(elsewhere.body).toContain('<code>invalid_client</code>');
    } finally {
      await t.close();
    }
  });
});
