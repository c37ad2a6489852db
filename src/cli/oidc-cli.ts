import type { LoadedConfig } from '../config/config.loader.js';

// `npm run cli -- oidc clients list [--domain D] [--json]`: the OpenID Connect relying parties of
// oidc.clients, read from the configuration alone (no database, no secret file: the secret is
// never read, let alone shown; the listing says only whether the client has one).

export const OIDC_USAGE = `  oidc clients list [--domain D] [--json]   (OpenID Connect clients: id, name, kind, redirect URIs, domains, pairwise sector; never a secret)`;

export class OidcUsageError extends Error {}

export interface OidcClientListing {
  client_id: string;
  client_name: string;
  /** public: token_endpoint_auth_method none (PKCE); confidential: client_secret_basic. */
  kind: 'public' | 'confidential';
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  domains: string[];
  subject_type: 'public' | 'pairwise';
  /** A pairwise client's sector (OpenID Connect Core 1.0 §8.1): the host of sector_identifier_uri, or of its redirect URIs. */
  sector: string | null;
}

export function listOidcClients(loaded: LoadedConfig, domain: string | undefined): OidcClientListing[] {
  const all = loaded.config.domains.map((d) => d.name);
  if (domain !== undefined && !all.includes(domain.toLowerCase())) throw new OidcUsageError(`${domain} is not a configured domain (${all.join(', ')})`);
  return loaded.config.oidc.clients
    .map((c) => ({
      client_id: c.client_id,
      client_name: c.client_name,
      kind: c.client_secret_file === undefined ? ('public' as const) : ('confidential' as const),
      redirect_uris: [...c.redirect_uris],
      post_logout_redirect_uris: [...c.post_logout_redirect_uris],
      domains: [...(c.domains ?? all)],
      subject_type: c.subject_type,
      // The host oidc-provider takes (lib/helpers/sector_identifier.js); config.schema.ts ensures one.
      sector: c.subject_type === 'pairwise' ? new URL(c.sector_identifier_uri ?? c.redirect_uris[0]!).host : null,
    }))
    .filter((c) => domain === undefined || c.domains.includes(domain.toLowerCase()));
}

export function formatOidcClients(clients: readonly OidcClientListing[], json: boolean): string {
  if (json) return `${JSON.stringify(clients, null, 2)}\n`;
  if (clients.length === 0) return 'no OpenID Connect client configured (oidc.clients)\n';
  return clients
    .map((c) =>
      [
        `${c.client_id}  ${c.client_name}  (${c.kind})`,
        ...c.redirect_uris.map((u) => `  redirect_uri: ${u}`),
        ...c.post_logout_redirect_uris.map((u) => `  post_logout_redirect_uri: ${u}`),
        `  domains: ${c.domains.join(', ')}`,
        ...(c.sector === null ? [] : [`  pairwise subjects, sector: ${c.sector}`]),
      ].join('\n'),
    )
    .join('\n')
    .concat('\n');
}
