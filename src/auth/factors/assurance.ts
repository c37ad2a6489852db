// What a sign-in proved, in the words of the protocols that report it: RFC 8176 amr values in the
// session (sessions.amr), PAPE 1.0 §5.2 auth_policies, and OpenID Connect acr. Pure functions.

import { PAPE_POLICY_NONE } from '../../sreg/attribute-request.js';

/** PAPE 1.0 §4: "An authentication mechanism where the End User authenticates to the OpenID Provider by providing more than one authentication factor." */
export const PAPE_POLICY_MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

/**
 * The acr values we assert and advertise (acr_values_supported): the PAPE policy URIs, so that
 * both protocols name the same assurance the same way. Phishing-resistant (PAPE §4) only comes
 * with passkeys.
 */
export const ACR_VALUES = [PAPE_POLICY_NONE, PAPE_POLICY_MULTI_FACTOR] as const;

/** How the first step was made: RFC 8176 §2 `pwd`; the chat app's approval keeps its own `xmpp`. */
export function firstFactorAmr(method: 'password' | 'xmpp'): string[] {
  return [method === 'xmpp' ? 'xmpp' : 'pwd'];
}

/** The kinds of second factor a code can prove (a passkey adds `webauthn`: hwk, later). */
export type SecondFactorKind = 'totp' | 'recovery';

/**
 * The amr after a second factor (RFC 8176 §2): a TOTP code is `otp` (RFC 6238 is named there);
 * a recovery code is no registered method, so it adds only `mfa` ("specific authentication
 * methods used may also be included"). Either way two factors were used: `mfa`.
 */
export function withSecondFactor(amr: readonly string[], kind: SecondFactorKind): string[] {
  const out = amr.filter((v) => v !== 'mfa');
  if (kind === 'totp' && !out.includes('otp')) out.push('otp');
  out.push('mfa');
  return out;
}

export function isMultiFactor(amr: readonly string[]): boolean {
  return amr.includes('mfa');
}

/** PAPE 1.0 §5.2 auth_policies met by this sign-in (empty: none). */
export function papePolicies(amr: readonly string[]): string[] {
  return isMultiFactor(amr) ? [PAPE_POLICY_MULTI_FACTOR] : [];
}

/** The acr of this sign-in (OpenID Connect Core 1.0 §2). */
export function acrOf(amr: readonly string[]): string {
  return isMultiFactor(amr) ? PAPE_POLICY_MULTI_FACTOR : PAPE_POLICY_NONE;
}

/** Whether a requested policy list (PAPE preferred_auth_policies, OIDC acr_values) asks for more than this sign-in did. */
export function wantsMultiFactor(requested: readonly string[]): boolean {
  return requested.includes(PAPE_POLICY_MULTI_FACTOR);
}
