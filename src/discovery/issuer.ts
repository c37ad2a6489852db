import type { DomainConfig } from '../config/config.schema.js';
import { acceptQuality } from '../http/accept.js';

// The OpenID Connect issuer a claimed identifier names (OpenID 2.0 to OpenID Connect Migration
// 1.0 §6, rule 2): `GET {base}/openid/{user}` with `Accept: application/json` answers
// `{"iss": "{base}"}`, and the RP checks that it is exactly the `iss` of the ID token that carried
// this identifier as `openid2_id`. The same URL keeps answering HTML (browsers, HTML-based
// discovery, OpenID 2.0 §7.3.3) and XRDS (Yadis 1.0 §6.2.4).

/** The OpenID Connect issuer of a domain: `{base}` (DESIGN.md), no trailing slash. */
export function oidcIssuer(domain: DomainConfig): string {
  return domain.base_url;
}

/**
 * Whether an identifier request asks for the issuer JSON (Migration §6: `Accept: application/json`).
 * JSON wins when it ranks above XRDS and at least as high as HTML, so that a Yadis request
 * (`application/xrds+xml`), a browser (`text/html,...,*\/*;q=0.8`) and a bare `*\/*` get what they
 * got before; `?xrds` (our X-XRDS-Location) always means XRDS.
 */
export function wantsIssuerJson(accept: string | undefined, forceXrds: boolean): boolean {
  if (forceXrds) return false;
  const json = acceptQuality(accept, ['application/json']);
  return json > 0 && json > acceptQuality(accept, ['application/xrds+xml']) && json >= acceptQuality(accept, ['text/html', 'application/xhtml+xml']);
}

/** Migration §2, §6: the body, `{"iss": "{base}"}`, with the issuer as its top-level member. */
export function issuerJson(domain: DomainConfig): string {
  return JSON.stringify({ iss: oidcIssuer(domain) });
}
