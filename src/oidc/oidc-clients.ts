import type { ClientMetadata } from 'oidc-provider';
import type { DomainConfig, OidcClientConfig } from '../config/config.schema.js';
import { readSecretFile } from '../xmpp/secret-file.js';

// The relying parties of oidc.clients as oidc-provider client metadata (OpenID Connect Dynamic
// Client Registration 1.0 §2 names), with their secrets read from their files at start-up.

/** RFC 6749 §10.10 wants secrets an attacker cannot guess: 32 characters is ~190 bits of base64. */
const MIN_SECRET_LENGTH = 32;

export class OidcClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcClientError';
  }
}

export interface LoadedClient {
  config: OidcClientConfig;
  /** Undefined for a public client. Never logged, never shown (the CLI lists the kind only). */
  secret: string | undefined;
}

/** Reads every client's secret file; an error names the client and the file, never the content. */
export async function loadClients(clients: readonly OidcClientConfig[]): Promise<LoadedClient[]> {
  const loaded: LoadedClient[] = [];
  for (const [i, config] of clients.entries()) {
    let secret: string | undefined;
    if (config.client_secret_file !== undefined) {
      try {
        secret = await readSecretFile(config.client_secret_file);
      } catch (error) {
        throw new OidcClientError(`oidc.clients.${i} (${config.client_id}): ${(error as Error).message}`);
      }
      if (secret.length < MIN_SECRET_LENGTH) {
        throw new OidcClientError(`oidc.clients.${i} (${config.client_id}): the secret in ${config.client_secret_file} is shorter than ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
      }
    }
    loaded.push({ config, secret });
  }
  return loaded;
}

/** The clients registered on `domain`, as oidc-provider metadata. */
export function clientsOf(domain: DomainConfig, clients: readonly LoadedClient[]): ClientMetadata[] {
  return clients.filter((c) => c.config.domains === undefined || c.config.domains.includes(domain.name)).map(metadataOf);
}

function metadataOf({ config, secret }: LoadedClient): ClientMetadata {
  return {
    client_id: config.client_id,
    client_name: config.client_name,
    redirect_uris: [...config.redirect_uris],
    post_logout_redirect_uris: [...config.post_logout_redirect_uris],
    // The authorization code flow only (RFC 9700 §2.1.2: no implicit grant), refreshed.
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // OpenID Connect Core 1.0 §8. oidc-provider takes the sector from sector_identifier_uri's
    // host, or else from the redirect URIs' one host (config.schema.ts refuses several).
    subject_type: config.subject_type,
    ...(config.sector_identifier_uri === undefined ? {} : { sector_identifier_uri: config.sector_identifier_uri }),
    ...(secret === undefined
      ? // A public client cannot keep a secret (RFC 6749 §2.1); PKCE binds its code (RFC 7636).
        { token_endpoint_auth_method: 'none' }
      : // RFC 6749 §2.3.1: HTTP Basic is the method every server must support.
        { token_endpoint_auth_method: 'client_secret_basic', client_secret: secret }),
  };
}
