// What a sign-in proved, in the words of the protocols that report it: RFC 8176 amr values in the
// session (sessions.amr), PAPE 1.0 §5.2 auth_policies, and OpenID Connect acr. Pure functions.

import { PAPE_POLICY_NONE } from '../../sreg/attribute-request.js';

/** PAPE 1.0 §4: "An authentication mechanism where the End User authenticates to the OpenID Provider by providing more than one authentication factor." */
export const PAPE_POLICY_MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

/**
 * PAPE 1.0 §4: "An authentication mechanism where the End User does not provide a shared secret
 * to a party potentially under the control of the Relying Party." A WebAuthn assertion is: its
 * signature covers the origin the browser saw and the RP ID hash (WebAuthn Level 3 §7.2 steps 13
 * and 15), so a look-alike site gets nothing it could replay here.
 */
export const PAPE_POLICY_PHISHING_RESISTANT = 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant';

/**
 * The acr values we assert and advertise (acr_values_supported): the PAPE policy URIs, so that
 * both protocols name the same assurance the same way. Phishing-resistant (PAPE §4) only comes
 * with passkeys.
 */
export const ACR_VALUES = [PAPE_POLICY_NONE, PAPE_POLICY_MULTI_FACTOR, PAPE_POLICY_PHISHING_RESISTANT] as const;

/** How the first step was made: RFC 8176 §2 `pwd`; the chat app's approval keeps its own `xmpp`. */
export function firstFactorAmr(method: 'password' | 'xmpp'): string[] {
  return [method === 'xmpp' ? 'xmpp' : 'pwd'];
}

/** The kinds of second factor the code page can take: a code (TOTP, recovery) or a passkey. */
export type SecondFactorKind = 'totp' | 'recovery' | 'webauthn';

/**
 * RFC 8176 §2 for a passkey: `hwk`, "Proof-of-Possession (PoP) of a hardware-secured key", for a
 * device-bound credential (its private key never leaves the authenticator; attestation `none`
 * cannot tell a platform's secure element from a security key, both are `hwk`); `swk`, "PoP of a
 * software-secured key", for a synced one (WebAuthn Level 3 §6.1 flag BE, backup eligible: a
 * multi-device credential whose key a sync service copies). Both are bound to our origin.
 */
export function passkeyMethod(synced: boolean): 'hwk' | 'swk' {
  return synced ? 'swk' : 'hwk';
}

/**
 * The amr after a second factor (RFC 8176 §2): a TOTP code is `otp` (RFC 6238 is named there);
 * a recovery code is no registered method, so it adds only `mfa` ("specific authentication
 * methods used may also be included"); a passkey is `hwk` or `swk` (passkeyMethod). Either way
 * two factors were used: `mfa`.
 */
export function withSecondFactor(amr: readonly string[], kind: SecondFactorKind, synced = false): string[] {
  const out = amr.filter((v) => v !== 'mfa');
  if (kind === 'totp' && !out.includes('otp')) out.push('otp');
  const method = passkeyMethod(synced);
  if (kind === 'webauthn' && !out.includes(method)) out.push(method);
  out.push('mfa');
  return out;
}

/**
 * The amr of a passkey-only sign-in (RFC 8176 §2). `hwk`: the key's proof of possession. With
 * the authenticator's user verification (WebAuthn Level 3 §6.1 flag UV, required for this
 * sign-in) it is a multi-factor cryptographic authenticator (NIST SP 800-63B §5.1.9: something
 * you have, activated by something you know or are), so `mfa` too. Which verification (`pin`,
 * `fpt`, `face`…) the authenticator made is not told to us, so none of those is claimed; nor
 * `user` (a presence test), which every assertion carries (flag UP, §7.2 step 16).
 */
export function passkeyAmr(userVerified: boolean, synced = false): string[] {
  const method = passkeyMethod(synced);
  return userVerified ? [method, 'mfa'] : [method];
}

export function isMultiFactor(amr: readonly string[]): boolean {
  return amr.includes('mfa');
}

/** A passkey was used, device-bound or synced: the proof is bound to our origin (PAPE 1.0 §4 phishing-resistant). */
export function isPhishingResistant(amr: readonly string[]): boolean {
  return amr.includes('hwk') || amr.includes('swk');
}

/** Whether this sign-in meets one policy URI (PAPE 1.0 §4, as acr too); `none` is always met. */
export function meets(amr: readonly string[], policy: string): boolean {
  if (policy === PAPE_POLICY_NONE) return true;
  if (policy === PAPE_POLICY_MULTI_FACTOR) return isMultiFactor(amr);
  if (policy === PAPE_POLICY_PHISHING_RESISTANT) return isPhishingResistant(amr);
  return false;
}

/** PAPE 1.0 §5.2 auth_policies met by this sign-in (empty: none). */
export function papePolicies(amr: readonly string[]): string[] {
  return [PAPE_POLICY_MULTI_FACTOR, PAPE_POLICY_PHISHING_RESISTANT].filter((p) => meets(amr, p));
}

/**
 * The acr of this sign-in (OpenID Connect Core 1.0 §2): the first of the client's acr_values
 * (§3.1.2.1, "in order of preference") that it meets, else the strongest it meets (a passkey's
 * phishing-resistant, then multi-factor, then none).
 */
export function acrOf(amr: readonly string[], requested: readonly string[] = []): string {
  const asked = requested.find((v) => (ACR_VALUES as readonly string[]).includes(v) && meets(amr, v));
  if (asked !== undefined) return asked;
  if (isPhishingResistant(amr)) return PAPE_POLICY_PHISHING_RESISTANT;
  return isMultiFactor(amr) ? PAPE_POLICY_MULTI_FACTOR : PAPE_POLICY_NONE;
}

/** Whether a requested policy list (PAPE preferred_auth_policies, OIDC acr_values) asks for more than this sign-in did. */
export function wantsMultiFactor(requested: readonly string[]): boolean {
  return requested.includes(PAPE_POLICY_MULTI_FACTOR);
}

/** What an account could still prove now: a second factor at all, a passkey among them. */
export interface StepUpMeans {
  factor: boolean;
  passkey: boolean;
}

/** A step-up: any second factor (the code page), or a passkey only (the code page asking for one). */
export type StepUp = 'factor' | 'passkey';

/**
 * PAPE 1.0 §5.1 preferred_auth_policies: "If multiple policies are requested, the OP SHOULD
 * satisfy as many as it can." Phishing-resistant unmet and a passkey enrolled: the passkey now
 * (it meets multi-factor too); multi-factor unmet and a factor enrolled: any second factor. What
 * the account cannot prove is left to the RP (§5.2: auth_policies says what was met), no loop.
 */
export function papeStepUp(preferred: readonly string[], amr: readonly string[], means: StepUpMeans): StepUp | undefined {
  if (preferred.includes(PAPE_POLICY_PHISHING_RESISTANT) && !isPhishingResistant(amr) && means.passkey) return 'passkey';
  if (preferred.includes(PAPE_POLICY_MULTI_FACTOR) && !isMultiFactor(amr) && means.factor) return 'factor';
  return undefined;
}

/**
 * OpenID Connect Core 1.0 §3.1.2.1 acr_values: alternatives in order of preference. One already
 * met: nothing to do. Otherwise the first the account can still reach; none: the ID token's acr
 * says what the sign-in met and the client decides (§5.5.1.1: a voluntary claim, no error).
 */
export function acrStepUp(requested: readonly string[], amr: readonly string[], means: StepUpMeans): StepUp | undefined {
  const known = requested.filter((v) => (ACR_VALUES as readonly string[]).includes(v));
  if (known.length === 0 || known.some((v) => meets(amr, v))) return undefined;
  for (const v of known) {
    if (v === PAPE_POLICY_PHISHING_RESISTANT && means.passkey) return 'passkey';
    if (v === PAPE_POLICY_MULTI_FACTOR && means.factor) return 'factor';
  }
  return undefined;
}
