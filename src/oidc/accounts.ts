import type { Account, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { DomainConfig } from '../config/config.schema.js';
import type { ProfileSource } from '../sreg/profile-source.js';
import type { UsersService } from '../users/users.service.js';
import { profileClaims } from './claims.js';
import { claimedIdentifierFor, openid2IdClaims } from './openid2-migration.js';

// oidc-provider's findAccount: our accounts by their id. The accountId (and so the public `sub`)
// is the account row's UUID, not the username: a deleted account's name may be taken again by
// someone else, and OpenID Connect Core 1.0 §2 wants a `sub` "never reassigned".

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function findAccountOf(domain: DomainConfig, users: UsersService, profiles: ProfileSource): FindAccount {
  return async (_ctx: KoaContextWithOIDC, id: string): Promise<Account | undefined> => {
    // Ids come from our own grants and tokens; anything else is no account (and no database error).
    if (!UUID.test(id)) return undefined;
    // Remembered for a second per process (a disable or removal here counts at once).
    const user = await users.findByIdRecent(id);
    // A disabled or removed account, or one of another domain, has no claims any more: its
    // tokens stop working at userinfo and refresh (oidc-provider checks findAccount there).
    if (user === null || user.disabled || user.domain !== domain.name) return undefined;
    return {
      accountId: user.id,
      // OpenID Connect Core 1.0 §5.4: the scope claims from the same profile values as SReg/AX,
      // minus those the person did not release on the consent page (the grant's rejected claims);
      // oidc-provider keeps only the claims of the granted scopes (claims.ts).
      // Migration §4: openid2_id, the claimed identifier the OpenID 2.0 side asserts for this
      // account, while the granted scope holds `openid2` (verified at the request, provider-configuration.ts).
      claims: async (_use, scope, _asked, rejected) => ({
        ...profileClaims(await profiles.load(user), rejected),
        ...openid2IdClaims({ scope, claimedId: claimedIdentifierFor(domain, user.username) }),
        sub: user.id,
      }),
    };
  };
}
