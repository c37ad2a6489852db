import type { Adapter, JWK } from 'oidc-provider';
import type { ProfileField, User } from '../users/user.entity.js';

// The seams between the parts of src/oidc (OpenID Connect on panva's oidc-provider, issue 12):
// the provider instances and interactions (oidc.module.ts), their storage and signing keys
// (storage/, keys/), and the mapping of our accounts to Connect claims (claims.ts, migration.ts).

/** oidc-provider's persistence (its Adapter interface), one adapter per model name. */
export abstract class OidcStorage {
  abstract adapterFor(model: string): Adapter;
}

/** The signing keys every provider instance uses. */
export interface OidcKeySet {
  /** Changes whenever the set changes (a rotation, a removal): providers are rebuilt then. */
  fingerprint: string;
  /**
   * Private JWKs with `kid`, `alg` and `use: 'sig'`: for each algorithm (RS256 and ES256 at
   * least) the active key first, then older ones kept so that what they signed still verifies.
   */
  jwks: { keys: JWK[] };
}

export abstract class OidcSigningKeys {
  /** The current set; keys are generated (and stored sealed) on first use. */
  abstract current(): Promise<OidcKeySet>;
}

/** The fields the person chose to release to one client (the consent page's choices). */
export type ReleasedFields = ReadonlySet<ProfileField>;

export type { ProfileField, User };
