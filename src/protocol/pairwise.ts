import { createHmac } from 'node:crypto';

// Pairwise identifiers, one derivation for both protocols: the `sub` of an OpenID Connect client
// of subject_type pairwise (OpenID Connect Core 1.0 §8.1, sector = the client's sector identifier
// host) and the opaque part of an OpenID 2.0 private identifier `{base}/openid/p/{opaque}`
// (sector = the normalised realm, OpenID 2.0 §9.2). The two kinds of sector never meet: a host
// has no "://", a normalised realm always does.

/** What the derivation gives: HMAC-SHA256 in base64url, no padding (RFC 4648 §5). */
export const PAIRWISE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * HMAC-SHA256 (RFC 2104) of the sector and the account id under a key of the operator's. The same
 * person gets the same value for every use of one sector, on every instance and after every
 * restart (the key comes from the operator key file); another sector's value differs, and none
 * reveals the account (OpenID Connect Core 1.0 §8.1: "not reversible by any party other than the
 * OP"). The length-prefixed sector keeps (sector, account) pairs apart.
 */
export function pairwiseSubject(key: Buffer, sector: string, accountId: string): string {
  const mac = createHmac('sha256', key);
  mac.update(`${Buffer.byteLength(sector)}:${sector}\n${accountId}`);
  return mac.digest('base64url');
}
