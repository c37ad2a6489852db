// The WebAuthn Level 3 checks we make ourselves, before @simplewebauthn/server verifies the
// signature: each refusal gets its own reason (a wrong origin or RP ID, a challenge unknown,
// expired or used, a signature counter gone backwards), which the library would only say in a
// message. Plain values in, plain values out: no framework, no storage.

import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** Why a WebAuthn response was refused (PasskeyRefused.reason; the problem document's `reason`). */
export type PasskeyRefusal =
  | 'malformed'
  | 'wrong_type'
  | 'challenge_unknown'
  | 'challenge_expired'
  | 'origin_mismatch'
  | 'cross_origin'
  | 'rp_id_mismatch'
  | 'user_not_present'
  | 'user_not_verified'
  | 'unknown_credential'
  | 'user_handle_mismatch'
  | 'already_registered'
  | 'counter_regression'
  | 'bad_signature';

/** Who we are to authenticators: the RP ID (WebAuthn L3 §5.1.2 rp.id) and the one origin our pages have. */
export interface RelyingPartyIdentity {
  rpId: string;
  origin: string;
}

/**
 * WebAuthn Level 3 §5.1.2 ("RP ID"): a valid domain string, here the host of the domain's public
 * base URL, and the origin its pages are served from (the base URL's origin exactly: scheme, host,
 * port). An IP-address host has no RP ID ("an IP address … is not a valid domain"): no passkeys there.
 */
export function relyingPartyOf(baseUrl: string): RelyingPartyIdentity | undefined {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && host === 'localhost')) return undefined;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return undefined;
  return { rpId: host, origin: url.origin };
}

/** CollectedClientData (WebAuthn L3 §5.8.1), as much of it as we check. */
export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
}

/** Parses clientDataJSON (base64url of UTF-8 JSON, §5.8.1); undefined when it is not that. */
export function parseClientData(clientDataJSON: unknown): ClientData | undefined {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 8192 || !/^[A-Za-z0-9_-]*$/.test(clientDataJSON)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const c = parsed as Record<string, unknown>;
  if (typeof c['type'] !== 'string' || typeof c['challenge'] !== 'string' || typeof c['origin'] !== 'string') return undefined;
  return {
    type: c['type'],
    challenge: c['challenge'],
    origin: c['origin'],
    ...(typeof c['crossOrigin'] === 'boolean' ? { crossOrigin: c['crossOrigin'] } : {}),
    ...(typeof c['topOrigin'] === 'string' ? { topOrigin: c['topOrigin'] } : {}),
  };
}

/**
 * WebAuthn Level 3 §7.1 steps 7-10 (registration) and §7.2 steps 11-14 (authentication), once the
 * challenge is known to be ours: the type, the origin exactly (§13.4.9: "the origin … MUST be
 * validated"), and no framing (our pages are never framed: frame-ancestors 'none', so a
 * crossOrigin or topOrigin means someone else's page asked).
 */
export function checkClientData(data: ClientData, ceremony: 'webauthn.create' | 'webauthn.get', rp: RelyingPartyIdentity): PasskeyRefusal | undefined {
  if (data.type !== ceremony) return 'wrong_type';
  if (data.origin !== rp.origin) return 'origin_mismatch';
  if (data.crossOrigin === true || data.topOrigin !== undefined) return 'cross_origin';
  return undefined;
}

/** The parts of authenticator data (§6.1) we check ourselves. */
export interface AuthenticatorDataHead {
  rpIdHash: Uint8Array;
  up: boolean;
  uv: boolean;
  signCount: number;
}

/** The first 37 bytes of authenticator data (§6.1: rpIdHash 32, flags 1, signCount 4, big-endian). */
export function readAuthenticatorData(authData: Uint8Array): AuthenticatorDataHead | undefined {
  if (authData.length < 37) return undefined;
  const flags = authData[32]!;
  return {
    rpIdHash: authData.subarray(0, 32),
    up: (flags & 0x01) !== 0,
    uv: (flags & 0x04) !== 0,
    signCount: Buffer.from(authData.buffer, authData.byteOffset + 33, 4).readUInt32BE(0),
  };
}

/**
 * §7.1 steps 13-15 / §7.2 steps 15-17: rpIdHash is SHA-256 of our RP ID (compared in constant
 * time), the user was present (UP), and verified (UV) when the ceremony required it.
 */
export function checkAuthenticatorData(head: AuthenticatorDataHead, rp: RelyingPartyIdentity, userVerification: 'required' | 'preferred'): PasskeyRefusal | undefined {
  const expected = createHash('sha256').update(rp.rpId, 'utf8').digest();
  if (head.rpIdHash.length !== expected.length || !timingSafeEqual(head.rpIdHash, expected)) return 'rp_id_mismatch';
  if (!head.up) return 'user_not_present';
  if (userVerification === 'required' && !head.uv) return 'user_not_verified';
  return undefined;
}

/**
 * WebAuthn Level 3 §7.2 step 22 (§6.1.1): "If authData.signCount is nonzero or
 * storedSignCount is nonzero": a new count greater than the stored one is fine (stored from now
 * on); anything else "is a signal that the authenticator may be cloned", and the Relying Party
 * decides: we refuse it (and the caller audits it). Both zero: an authenticator without a
 * counter (most synced passkeys), nothing to compare.
 */
export function signCountVerdict(stored: number, received: number): 'ok' | 'regression' {
  if (received === 0 && stored === 0) return 'ok';
  return received > stored ? 'ok' : 'regression';
}
