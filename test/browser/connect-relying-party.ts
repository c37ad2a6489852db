import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { startRelyingPartySite, type RelyingPartySite } from '../helpers/live.js';

// A real OpenID Connect relying party in the test process: openid-client behind a small web site,
// a confidential client (client_secret_basic, its secret in a file the provider reads) using the
// authorization code flow with PKCE.
//   GET /login     builds the authorization request (state, nonce, S256 challenge, bound to this
//                  browser by an HttpOnly cookie), then 302 to the provider's authorization endpoint
//   GET /callback  the code grant: openid-client checks the state, exchanges the code with the
//                  secret, validates the ID token (signature, iss, aud, exp, nonce), then fetches
//                  userinfo; the page shows "Signed in as <sub>" and the claims, or "Not signed in: <error>"
// The browser goes RP → OP → RP exactly as a person's browser would.

export interface ConnectRelyingParty {
  site: RelyingPartySite;
  clientId: string;
  clientName: string;
  redirectUri: string;
  /** The entry of the provider's `oidc.clients` for this RP (the secret stays in its file). */
  clientConfig: { client_id: string; client_name: string; redirect_uris: string[]; client_secret_file: string };
  /** Discovers the provider at `issuer` (OpenID Connect Discovery 1.0 §4); call once it listens. */
  use(issuer: string): Promise<void>;
  /** Where a person starts signing in (the scope asked for: `openid profile`). */
  signInUrl: string;
  close(): Promise<void>;
}

interface PendingFlow {
  verifier: string;
  state: string;
  nonce: string;
}

const FLOW_COOKIE = 'rp_flow';
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`);
}

const failed = (res: ServerResponse, status: number, reason: string): void => page(res, status, 'Not signed in', `<p id="status">Not signed in: ${escapeHtml(reason)}</p>`);

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** `clientName` is what the consent page must show. */
/** `acrValues`: the authorization request's acr_values (OpenID Connect Core 1.0 §3.1.2.1), if any. */
export async function startConnectRelyingParty(clientId = 'browser-rp', clientName = 'Browser Test App', acrValues?: string): Promise<ConnectRelyingParty> {
  const site = await startRelyingPartySite();
  const redirectUri = `${site.origin}/callback`;
  // A secret from the CSPRNG, in a file only its owner reads, as an operator would provision it.
  const dir = mkdtempSync(join(tmpdir(), 'op-browser-rp-'));
  const secretFile = join(dir, 'client.secret');
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });

  let config: client.Configuration | undefined;
  const pending = new Map<string, PendingFlow>();

  site.routes.set('/login', (_req, res) => {
    if (!config) return failed(res, 503, 'provider not discovered yet');
    void (async () => {
      const flow: PendingFlow = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
      const flowId = randomBytes(16).toString('base64url');
      pending.set(flowId, flow);
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile',
        // RFC 7636 §4.2: S256, never plain.
        code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
        ...(acrValues === undefined ? {} : { acr_values: acrValues }),
      });
      // RFC 9700 §2.1: the state (and the PKCE verifier) is bound to the browser that started the flow.
      res.writeHead(302, { location: url.href, 'cache-control': 'no-store', 'set-cookie': `${FLOW_COOKIE}=${flowId}; Path=/; HttpOnly; SameSite=Lax` }).end();
    })().catch((error: unknown) => failed(res, 500, (error as Error).message));
  });

  site.routes.set('/callback', (req, res) => {
    const flowId = cookie(req.headers.cookie, FLOW_COOKIE);
    const flow = flowId === undefined ? undefined : pending.get(flowId);
    if (!config || !flow) return failed(res, 400, 'no sign-in was started in this browser');
    pending.delete(flowId!);
    void (async () => {
      const tokens = await client.authorizationCodeGrant(config, new URL(req.url ?? '/', site.origin), {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims()!;
      // OpenID Connect Core 1.0 §5.3.2: the userinfo sub must equal the ID token's (openid-client checks it).
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
      const rows = Object.entries(userinfo)
        .map(([claim, value]) => `<li data-claim="${escapeHtml(claim)}">${escapeHtml(claim)}: ${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</li>`)
        .join('');
      page(
        res,
        200,
        'Signed in',
        `<p id="status">Signed in as ${escapeHtml(idToken.sub)}</p>` +
          `<p id="issuer">${escapeHtml(idToken.iss)}</p>` +
          // What the ID token says of the sign-in (OpenID Connect Core 1.0 §2 amr and acr).
          `<p id="amr">${escapeHtml(JSON.stringify(idToken.amr ?? []))}</p>` +
          `<p id="acr">${escapeHtml(String(idToken.acr ?? ''))}</p>` +
          `<ul id="claims">${rows}</ul>`,
      );
    })().catch((error: unknown) => failed(res, 200, (error as Error).message));
  });

  return {
    site,
    clientId,
    clientName,
    redirectUri,
    clientConfig: { client_id: clientId, client_name: clientName, redirect_uris: [redirectUri], client_secret_file: secretFile },
    async use(issuer) {
      // RFC 6749 §2.3.1: HTTP Basic with the client_id and the secret.
      config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(secret));
    },
    signInUrl: `${site.origin}/login`,
    async close() {
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
