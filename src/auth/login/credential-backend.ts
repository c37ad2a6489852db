import type { User } from '../../users/user.entity.js';
import type { XmppUnavailable } from '../../xmpp/xmpp-errors.js';

/**
 * Outcome of a credential check; the reasons are shown to the user, so they must not enumerate
 * accounts. `unavailable`: no verdict could be had (the domain's XMPP server is down, slow or
 * fails TLS); the password may be right, so it is neither "wrong password" nor a throttled failure.
 */
export type CredentialResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid_credentials' | 'account_disabled' }
  | { ok: false; reason: 'unavailable'; error: XmppUnavailable };

/**
 * Where passwords are checked: the local account store, or the domain's XMPP server (SASL), per
 * domain (DomainCredentialBackend). Implementations must cost the same for unknown and known
 * accounts.
 */
export abstract class CredentialBackend {
  abstract verify(domain: string, username: string, password: string): Promise<CredentialResult>;
}
