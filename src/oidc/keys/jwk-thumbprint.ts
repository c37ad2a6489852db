import { createHash } from 'node:crypto';
import type { JWK } from 'oidc-provider';

// RFC 7638 §3.2: the thumbprint hashes a JSON object of the key type's required public members
// only (RFC 7518 §6.2.1 for EC, §6.3.1 for RSA), in lexicographic order, without whitespace.
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The RFC 7638 SHA-256 thumbprint of a JWK, base64url (RFC 7638 §3.1), used as its kid. */
export function jwkThumbprint(jwk: JWK): string {
  const members = REQUIRED[jwk.kty ?? ''];
  if (members === undefined) throw new TypeError(`no RFC 7638 thumbprint for key type ${String(jwk.kty)}`);
  const record = jwk as Record<string, unknown>;
  const canonical = `{${members
    .map((m) => {
      const value = record[m];
      if (typeof value !== 'string') throw new TypeError(`JWK member ${m} is missing`);
      return `${JSON.stringify(m)}:${JSON.stringify(value)}`;
    })
    .join(',')}}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}
