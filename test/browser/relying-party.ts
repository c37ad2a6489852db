import type { ServerResponse } from 'node:http';
import openid from 'openid';
import { publishReturnTo, startRelyingPartySite, type RelyingPartySite } from '../helpers/live.js';

// A real relying party in the test process: the npm `openid` library behind a small web site.
//   GET /login?identifier=<url>  discovery + association, then 302 to the provider (checkid_setup)
//   GET /verify?openid.*         verifies the assertion: "Signed in as <id>" or "Not signed in: <error>"
// The browser goes RP → OP → RP exactly as a person's browser would.

type RelyingParty = InstanceType<typeof openid.RelyingParty>;

export interface BrowserRelyingParty {
  site: RelyingPartySite;
  /** The realm the RP asks for (what the provider lists under "Trusted sites"). */
  realm: string;
  /** Where a person starts signing in with `identifier`. */
  signInUrl(identifier: string): string;
  close(): Promise<void>;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, text: string, extra = ''): void {
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><p id="status">${escapeHtml(text)}</p>${extra}</main></body></html>`);
}

/**
 * `pape`: the PAPE 1.0 request the RP adds (the `openid` library's PAPE extension, e.g.
 * `{ preferred_auth_policies: 'phishing-resistant' }`); the page then shows the auth_policies
 * the assertion carried (`#auth-policies`, the library's short names).
 */
export async function startBrowserRelyingParty(options: { pape?: Record<string, string | number> } = {}): Promise<BrowserRelyingParty> {
  const site = await startRelyingPartySite();
  const realm = `${site.origin}/`;
  // The RP asks for attributes too (SReg 1.1), so the consent page shows its attribute rows.
  const library = openid as unknown as { SimpleRegistration: new (options: Record<string, unknown>) => never; PAPE: new (options: Record<string, unknown>) => never };
  const sreg = new library.SimpleRegistration({ email: 'required', nickname: true, fullname: true });
  const rp: RelyingParty = new openid.RelyingParty(`${site.origin}/verify`, realm, false, false, options.pape ? [sreg, new library.PAPE(options.pape)] : [sreg]);

  site.routes.set('/login', (req, res) => {
    const identifier = new URL(req.url ?? '/', site.origin).searchParams.get('identifier') ?? '';
    rp.authenticate(identifier, false, (error, url) => {
      if (error || !url) return page(res, 502, 'Sign-in failed', `Not signed in: ${error?.message ?? 'no provider URL'}`);
      res.writeHead(302, { location: url, 'cache-control': 'no-store' }).end();
    });
  });

  site.routes.set('/verify', (req, res) => {
    rp.verifyAssertion(`${site.origin}${req.url ?? '/'}`, (error, result) => {
      const claimed = (result as { authenticated?: boolean; claimedIdentifier?: string; auth_policies?: string } | undefined) ?? {};
      if (error || !claimed.authenticated || !claimed.claimedIdentifier) {
        return page(res, 200, 'Not signed in', `Not signed in: ${error?.message ?? 'not authenticated'}`);
      }
      page(res, 200, 'Signed in', `Signed in as ${claimed.claimedIdentifier}`, claimed.auth_policies === undefined ? '' : `<p id="auth-policies">${escapeHtml(claimed.auth_policies)}</p>`);
    });
  });

  // OpenID 2.0 §13: the RP publishes its return_to, so the provider can verify it (§9.2.1).
  publishReturnTo(site);

  return {
    site,
    realm,
    signInUrl: (identifier) => `${site.origin}/login?${new URLSearchParams({ identifier })}`,
    close: () => site.close(),
  };
}
