import type { DomainConfig } from '../config/config.schema.js';

// The canonical URLs of a domain, built in one place so that XRDS documents, HTML links and
// op_endpoint always agree (OpenID 2.0 §7.3.1, §10.1: the RP compares them).

/** The OP endpoint URL, also the OP identifier (DESIGN.md). */
export function opEndpointUrl(domain: DomainConfig): string {
  return `${domain.base_url}/openid`;
}

/** The claimed identifier of user@domain; `username` is the normalised localpart. */
export function identifierUrl(domain: DomainConfig, username: string): string {
  return `${domain.base_url}/openid/${encodeURIComponent(username)}`;
}

/** Where an identifier's XRDS document is (Yadis 1.0 §6.2.5, X-XRDS-Location). */
export function xrdsUrl(domain: DomainConfig, username: string): string {
  return `${identifierUrl(domain, username)}?xrds`;
}

/** A private (pairwise) identifier of this domain: `{base}/openid/p/{opaque}` (DESIGN.md). */
export function privateIdentifierUrl(domain: DomainConfig, opaque: string): string {
  return `${domain.base_url}/openid/p/${opaque}`;
}

/** Where a private identifier's XRDS document is. */
export function privateXrdsUrl(domain: DomainConfig, opaque: string): string {
  return `${privateIdentifierUrl(domain, opaque)}?xrds`;
}

/** Where the OP identifier's XRDS document is. */
export function opIdentifierXrdsUrl(domain: DomainConfig): string {
  return `${opEndpointUrl(domain)}?xrds`;
}
