// The OpenID Connect relying party of W6-auth and W6, written independently of src/ (as bench/rp.ts
// for OpenID 2.0): a confidential client's authorization request with PKCE, the authorization
// response read from its Location, the token request authenticated with client_secret_basic, and
// the checks an RP makes on the token response and its ID token.

import { createHash } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import type { Answer, Browser } from './browser.js';

/** The paths of the provider's Connect endpoints, as its discovery document lists them. */
export const OIDC_AUTHORIZATION_PATH = '/oidc/auth';
export const OIDC_TOKEN_PATH = '/oidc/token';

export interface OidcClient {
  clientId: string;
  /** Never logged, never on a command line: it reaches wrk in a file of the private data directory. */
  secret: string;
  redirectUri: string;
  /** RFC 7636 §4.1: the one code_verifier of the run (every W6-auth request has its challenge). */
  verifier: string;
  /** RFC 6749 §4.1.1 state, fixed for the run (the RP checks it comes back). */
  state: string;
}

/** RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))), method S256. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * RFC 6749 §2.3.1: client_id and client_secret, each form-urlencoded (Appendix B), joined by a
 * colon, in HTTP Basic (RFC 7617 §2).
 */
export function clientSecretBasic(clientId: string, secret: string): string {
  const encode = (s: string): string => new URLSearchParams({ v: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/**
 * The path and query of the authorization request (OpenID Connect Core 1.0 §3.1.2.1: response_type
 * code, scope openid, the redirect_uri; RFC 7636 §4.3: the S256 challenge).
 */
export function authorizationPath(client: OidcClient): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope: 'openid',
    code_challenge: pkceChallenge(client.verifier),
    code_challenge_method: 'S256',
    state: client.state,
  });
  return `${OIDC_AUTHORIZATION_PATH}?${query.toString()}`;
}

/**
 * The authorization response as the RP reads it (OpenID Connect Core 1.0 §3.1.2.5): a redirect to
 * the registered redirect_uri with `code` and our `state`, and `iss` naming the issuer (RFC 9207
 * §2.4: the RP compares it with the issuer it sent the request to). Returns the code, or what is
 * wrong (an `error`, §3.1.2.6, included).
 */
export function readAuthorizationResponse(answer: Answer, client: OidcClient, issuer: string): { code: string } | { wrong: string } {
  // oidc-provider answers with 303 (W6-auth's check expects it too).
  if (answer.status !== 303) return { wrong: `HTTP ${answer.status}, not a 303 redirect` };
  const location = String(answer.headers.location ?? '');
  const url = URL.parse(location);
  if (url === null || `${url.origin}${url.pathname}` !== client.redirectUri) return { wrong: `a redirect to ${location.split('?')[0]}, not to the redirect_uri` };
  const params = url.searchParams;
  const error = params.get('error');
  if (error !== null) return { wrong: `error=${error} (${params.get('error_description') ?? ''})` };
  if (params.get('iss') !== issuer) return { wrong: `iss=${params.get('iss')}, not ${issuer}` };
  if (params.get('state') !== client.state) return { wrong: 'the state did not come back' };
  const code = params.get('code');
  return code ? { code } : { wrong: 'no code' };
}

/** RFC 6749 §4.1.3 with RFC 7636 §4.5: the token request's form body for one code. */
export function tokenBody(client: OidcClient, code: string): string {
  return new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, code_verifier: client.verifier }).toString();
}

/** The code of a recorded authorization response Location. */
export function codeOf(location: string): string {
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error('a recorded authorization response has no code');
  return code;
}

export interface TokenCheck {
  sub: string;
  accessToken: string;
}

/**
 * Exchanges one code (the token request of W6) and checks the answer as an RP does: 200 with a
 * Bearer access token and an ID token (OpenID Connect Core 1.0 §3.1.3.3) whose signature verifies
 * with the provider's published keys and whose iss, aud, exp and iat are right (§3.1.3.7 steps
 * 2-3, 6, 9-10; jose's jwtVerify), then calls userinfo with the access token (§5.3.2: its `sub`
 * must be the ID token's). Throws with what is wrong.
 */
export async function exchangeChecked(browser: Browser, base: string, client: OidcClient, code: string): Promise<TokenCheck> {
  const answer = await browser.post(`${base}${OIDC_TOKEN_PATH}`, new URLSearchParams(tokenBody(client, code)), { authorization: clientSecretBasic(client.clientId, client.secret), accept: 'application/json' });
  if (answer.status !== 200) throw new Error(`token request: HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
  const tokens = JSON.parse(answer.body) as Record<string, unknown>;
  if (typeof tokens['access_token'] !== 'string' || typeof tokens['id_token'] !== 'string') throw new Error(`token response without access_token or id_token: ${Object.keys(tokens).join(', ')}`);
  // RFC 6749 §5.1: token_type is case-insensitive.
  if (String(tokens['token_type']).toLowerCase() !== 'bearer') throw new Error(`token_type ${String(tokens['token_type'])}, not Bearer`);
  const discovery = await browser.get(`${base}/.well-known/openid-configuration`, { accept: 'application/json' });
  const metadata = JSON.parse(discovery.body) as { issuer?: string; jwks_uri?: string; userinfo_endpoint?: string };
  // OpenID Connect Discovery 1.0 §4.3: the issuer in the document is the one it was fetched from.
  if (metadata.issuer !== base || !metadata.jwks_uri || !metadata.userinfo_endpoint) throw new Error(`discovery: issuer ${metadata.issuer}, jwks_uri ${metadata.jwks_uri}`);
  const jwks = JSON.parse((await browser.get(metadata.jwks_uri, { accept: 'application/json' })).body) as JSONWebKeySet;
  // The client registered no id_token_signed_response_alg: RS256 (OpenID Connect Core 1.0 §3.1.3.7 step 7).
  const { payload } = await jwtVerify(tokens['id_token'], createLocalJWKSet(jwks), { issuer: base, audience: client.clientId, algorithms: ['RS256'] });
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('the ID token has no sub');
  const userinfo = await browser.get(metadata.userinfo_endpoint, { authorization: `Bearer ${tokens['access_token']}`, accept: 'application/json' });
  if (userinfo.status !== 200) throw new Error(`userinfo with the access token: HTTP ${userinfo.status}`);
  const sub = (JSON.parse(userinfo.body) as { sub?: unknown }).sub;
  // OpenID Connect Core 1.0 §5.3.2: "The sub Claim in the UserInfo Response MUST be verified to exactly match the sub Claim in the ID Token".
  if (sub !== payload.sub) throw new Error('userinfo names another sub than the ID token');
  return { sub: payload.sub, accessToken: tokens['access_token'] };
}
