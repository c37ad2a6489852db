import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import * as client from 'openid-client';
import { inject } from 'vitest';
import {
  OPENID2_ID_CLAIM,
  OPENID2_REALM_PARAM,
  OPENID2_SCOPE,
  claimedIdentifierFor,
  openid2IdClaims,
  verifyOpenid2Request,
  withoutOpenid2Scope,
} from '../../src/oidc/openid2-migration.js';
import { Browser } from '../helpers/live.js';
import type { DomainConfig } from '../../src/config/config.schema.js';

// The wiring that src/oidc/openid2-migration.ts documents for the provider, proved on the real
// oidc-provider 9 with openid-client 6 as the RP over HTTPS: an `openid2_realm` extraParams
// validator that drops the `openid2` scope of a request failing Migration §3, the claim under the
// `openid` scope (code-flow ID tokens carry only those with conformIdTokenClaims), and
// findAccount's claims() answering openid2_id only while the granted scope holds `openid2`.
// Sign-in and consent are completed here with oidc-provider's own interaction API, where the
// real module hands over to our /login and /consent pages: this suite is about the claim.

const REDIRECT_URI = 'https://rp.example/oidc/callback';
const DOMAIN = { name: 'example.org', base_url: 'https://example.org' } as DomainConfig;

describe('openid2_id through oidc-provider with the documented wiring (Migration §2-§4)', () => {
  let server: Server;
  let issuer: string;
  let config: client.Configuration;
  const refusals: string[] = [];

  beforeAll(async () => {
    const { cert, key } = inject('tls');
    server = createServer({ cert: readFileSync(cert), key: readFileSync(key) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `https://localhost:${(server.address() as AddressInfo).port}`;

    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const provider = new Provider(issuer, {
      clients: [{ client_id: 'app', client_secret: 'a test secret of thirty-two bytes!', redirect_uris: [REDIRECT_URI], id_token_signed_response_alg: 'ES256' }],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', alg: 'ES256', use: 'sig' }] },
      cookies: { keys: ['a test cookie key that is long enough'] },
      pkce: { required: () => true },
      scopes: ['openid', OPENID2_SCOPE],
      claims: { openid: ['sub', OPENID2_ID_CLAIM] },
      extraParams: {
        [OPENID2_REALM_PARAM](ctx: KoaContextWithOIDC, value: string | undefined) {
          const params = ctx.oidc.params as Record<string, string | undefined>;
          const decision = verifyOpenid2Request({ scope: params['scope'], realm: value, redirectUri: params['redirect_uri'] });
          if (decision.kind === 'refused') {
            refusals.push(decision.reason);
            params['scope'] = withoutOpenid2Scope(params['scope']);
          }
        },
      },
      findAccount: (_ctx, accountId) => ({
        accountId,
        claims: (_use, scope) => ({ sub: accountId, ...openid2IdClaims({ scope, claimedId: claimedIdentifierFor(DOMAIN, accountId) }) }),
      }),
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      features: { devInteractions: { enabled: false } },
    });
    const callback = provider.callback();
    server.on('request', (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return void callback(req, res);
      // The login and consent pages' stand-in: sign in as "alice", grant what was asked.
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === 'login') {
          await provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
          return;
        }
        const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params['client_id']) });
        grant.addOIDCScope(String(details.params['scope']));
        await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      })().catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    config = await client.discovery(new URL(issuer), 'app', 'a test secret of thirty-two bytes!');
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** One code flow with PKCE; the validated ID token's claims. */
  async function signIn(parameters: Record<string, string>): Promise<Record<string, unknown>> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...parameters,
    });
    const browser = new Browser({ accept: 'text/html' });
    const last = await browser.follow(url.toString(), issuer);
    const location = String(last.headers.location ?? '');
    expect(location.startsWith(`${REDIRECT_URI}?`), `${last.status} ${location} ${last.body.replace(/<style>[\s\S]*<\/style>/, "").slice(0, 1500)}`).toBe(true);
    const tokens = await client.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedState: state });
    return { ...tokens.claims(), grantedScope: tokens.scope };
  }

  it('puts openid2_id in the ID token when the realm covers the redirect URI', async () => {
    const claims = await signIn({ scope: 'openid openid2', [OPENID2_REALM_PARAM]: 'https://rp.example/' });
    expect(claims['iss']).toBe(issuer);
    expect(claims['sub']).toBe('alice');
    expect(claims[OPENID2_ID_CLAIM]).toBe('https://example.org/openid/alice');
  });

  it('accepts a wildcard realm over the redirect host (which it covers itself, OpenID 2.0 §9.2)', async () => {
    const claims = await signIn({ scope: 'openid openid2', [OPENID2_REALM_PARAM]: 'https://*.rp.example/' });
    expect(claims[OPENID2_ID_CLAIM]).toBe('https://example.org/openid/alice');
  });

  it.each([
    ['a realm of another site', 'https://other.example/', 'realm_mismatch'],
    ['a realm below the callback', 'https://rp.example/elsewhere/', 'realm_mismatch'],
    ['a realm with a fragment', 'https://rp.example/#x', 'invalid_realm'],
    ['an over-broad realm', 'https://*.com/', 'over_broad_realm'],
    // "example" is no TLD: the Public Suffix List's default rule makes it a public suffix.
    ['a wildcard over an unknown TLD', 'https://*.example/', 'over_broad_realm'],
  ])('signs in without the claim, and without an error, for %s (Migration §4, §4.1)', async (_title, realm, reason) => {
    refusals.length = 0;
    const claims = await signIn({ scope: 'openid openid2', [OPENID2_REALM_PARAM]: realm });
    expect(claims['sub']).toBe('alice');
    expect(claims).not.toHaveProperty(OPENID2_ID_CLAIM);
    expect(String(claims['grantedScope']).split(' ')).not.toContain(OPENID2_SCOPE);
    expect(refusals).toEqual([reason]);
  });

  it('refuses openid2_realm sent twice with oidc-provider\'s own invalid_request (RFC 6749 §3.1), to the redirect URI', async () => {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid openid2', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state: 's' });
    url.searchParams.append(OPENID2_REALM_PARAM, 'https://rp.example/');
    url.searchParams.append(OPENID2_REALM_PARAM, 'https://rp.example/');
    const res = await new Browser().request('GET', url.toString());
    const location = new URL(String(res.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toContain(OPENID2_REALM_PARAM);
  });

  it('gives no claim without openid2_realm, nor without the openid2 scope', async () => {
    expect(await signIn({ scope: 'openid openid2' })).not.toHaveProperty(OPENID2_ID_CLAIM);
    expect(await signIn({ scope: 'openid', [OPENID2_REALM_PARAM]: 'https://rp.example/' })).not.toHaveProperty(OPENID2_ID_CLAIM);
  });
});
