import type { User } from '../../users/user.entity.js';

/** Outcome of a credential check; the reasons are shown to the user, so they must not enumerate accounts. */
export type CredentialResult = { ok: true; user: User } | { ok: false; reason: 'invalid_credentials' | 'account_disabled' };

/**
 * Where passwords are checked: the local account store now, the domain's XMPP server (SASL) in
 * a later issue. Implementations must cost the same for unknown and known accounts.
 */
export abstract class CredentialBackend {
  abstract verify(domain: string, username: string, password: string): Promise<CredentialResult>;
}
