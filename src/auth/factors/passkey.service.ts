import { Injectable } from '@nestjs/common';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import type { DomainConfig } from '../../config/config.schema.js';
import { AppError } from '../../http/app-error.js';
import { text, type Text } from '../../i18n/locale.js';
import type { User } from '../../users/user.entity.js';
import { type ChallengeBinding, type ChallengePurpose, PasskeyRepository, type PasskeyRow } from './passkey.repository.js';
import {
  checkAuthenticatorData,
  checkClientData,
  type ClientData,
  parseClientData,
  type PasskeyRefusal,
  readAuthenticatorData,
  relyingPartyOf,
  type RelyingPartyIdentity,
  signCountVerdict,
} from './webauthn-checks.js';

/**
 * How long a challenge may be answered, and the ceremony's `timeout` (WebAuthn Level 3 §5.4:
 * "the recommended range is 300000 milliseconds to 600000 milliseconds" when user verification is
 * required or preferred). The authenticator's own prompt ends then; so does our challenge.
 */
export const CHALLENGE_LIFETIME_MS = 5 * 60 * 1000;
/** WebAuthn L3 §13.4.3: challenges "at least 16 bytes long"; ours have 32 (256 bits) from the CSPRNG. */
const CHALLENGE_BYTES = 32;
/** WebAuthn L3 §14.6.1: "It is RECOMMENDED to let the user handle be 64 random bytes". */
const USER_HANDLE_BYTES = 64;
/** Unexpired passkey sign-in challenges one client address may hold (anyone may ask for one). */
export const MAX_SIGN_IN_CHALLENGES_PER_ADDRESS = 20;
/** Longest passkey name kept (second_factors.label is varchar(64)). */
export const MAX_PASSKEY_NAME = 64;
/**
 * COSE algorithms offered at registration (WebAuthn L3 §5.4 pubKeyCredParams, "SHOULD include"
 * -8 EdDSA, -7 ES256, -257 RS256), in that order of preference.
 */
const ALGORITHMS = [-8, -7, -257];
const TRANSPORTS: readonly string[] = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'];

/**
 * The people's words for each refusal (the page shows it; the problem document's detail), in the
 * reader's language (src/i18n/locales/<lang>/passkeys.ts).
 */
const MESSAGES: Readonly<Record<PasskeyRefusal, Text>> = {
  malformed: text('passkeys.refused.reasons.malformed'),
  wrong_type: text('passkeys.refused.reasons.wrong_type'),
  challenge_unknown: text('passkeys.refused.reasons.challenge_unknown'),
  challenge_expired: text('passkeys.refused.reasons.challenge_expired'),
  origin_mismatch: text('passkeys.refused.reasons.origin_mismatch'),
  cross_origin: text('passkeys.refused.reasons.cross_origin'),
  rp_id_mismatch: text('passkeys.refused.reasons.rp_id_mismatch'),
  user_not_present: text('passkeys.refused.reasons.user_not_present'),
  user_not_verified: text('passkeys.refused.reasons.user_not_verified'),
  unknown_credential: text('passkeys.refused.reasons.unknown_credential'),
  user_handle_mismatch: text('passkeys.refused.reasons.user_handle_mismatch'),
  already_registered: text('passkeys.refused.reasons.already_registered'),
  counter_regression: text('passkeys.refused.reasons.counter_regression'),
  bad_signature: text('passkeys.refused.reasons.bad_signature'),
};

function statusOf(reason: PasskeyRefusal): number {
  switch (reason) {
    case 'already_registered':
      return 409;
    case 'unknown_credential':
    case 'user_handle_mismatch':
    case 'counter_regression':
    case 'bad_signature':
    case 'user_not_present':
    case 'user_not_verified':
      return 401;
    default:
      return 400;
  }
}

/** A WebAuthn response refused, and why (`reason`): a structured 4xx, never a 500. */
export class PasskeyRefused extends AppError {
  /** Why, in the reader's words: the page shows it (the problem document's detail is the same text). */
  readonly explanation: Text;

  constructor(
    readonly reason: PasskeyRefusal,
    /** The account the response named, when it named one of ours (for its audit). */
    readonly userId?: string,
    cause?: unknown,
  ) {
    super('passkey_refused', statusOf(reason), text('passkeys.refused.title'), MESSAGES[reason], { members: { reason }, detail: reason, ...(cause === undefined ? {} : { cause }) });
    this.explanation = MESSAGES[reason];
  }
}

/** The chat notice of a passkey refused because its signature counter went backwards (WebAuthn Level 3 §7.2 step 22). */
export function passkeyCounterNotice(user: User): Text {
  return text('bot.notice.passkey_counter', { account: `${user.username}@${user.domain}` });
}

/** Passkey sign-in challenges of one address are used up for now (MAX_SIGN_IN_CHALLENGES_PER_ADDRESS). */
export class PasskeyChallengesExhausted extends AppError {
  constructor() {
    super('passkey_challenges_exhausted', 429, text('passkeys.challenges_exhausted.title'), text('passkeys.challenges_exhausted.detail'), {
      headers: { 'retry-after': String(CHALLENGE_LIFETIME_MS / 1000) },
    });
  }
}

/** This domain's address cannot have passkeys (an IP address, or plain HTTP other than localhost). */
export class PasskeysUnavailable extends AppError {
  constructor() {
    super('passkeys_unavailable', 404, text('passkeys.unavailable.title'), text('passkeys.unavailable.detail'));
  }
}

/** A WebAuthn response as the browser library sends it (form field `response`), read but not yet verified. */
export interface PasskeyClaim {
  json: AuthenticationResponseJSON;
  credentialId: Buffer;
  clientData: ClientData;
}

/** A verified assertion. */
export interface PasskeyProof {
  userId: string;
  passkey: PasskeyRow;
  /** WebAuthn L3 §6.1 flag UV: the authenticator verified its user (PIN, biometrics). */
  userVerified: boolean;
}

/** A passkey as the owner sees it: its name and dates. */
export interface PasskeySummary {
  id: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** WebAuthn L3 §6.1.3: a multi-device (synced) credential, and whether it is backed up now. */
  synced: boolean;
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function transportsOf(list: unknown): AuthenticatorTransportFuture[] {
  return Array.isArray(list) ? (list.filter((t): t is AuthenticatorTransportFuture => typeof t === 'string' && TRANSPORTS.includes(t)) as AuthenticatorTransportFuture[]) : [];
}

/** The form field `response`: JSON of a PublicKeyCredential (WebAuthn L3 §5.1 toJSON()); the shape only. */
function readJson(input: string): Record<string, unknown> & { id: string; response: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    throw new PasskeyRefused('malformed');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new PasskeyRefused('malformed');
  const p = parsed as Record<string, unknown>;
  if (typeof p['id'] !== 'string' || !/^[A-Za-z0-9_-]{1,1400}$/.test(p['id']) || p['rawId'] !== p['id'] || p['type'] !== 'public-key') throw new PasskeyRefused('malformed');
  if (typeof p['response'] !== 'object' || p['response'] === null) throw new PasskeyRefused('malformed');
  return p as Record<string, unknown> & { id: string; response: Record<string, unknown> };
}

/**
 * Passkeys (issue 13; WebAuthn Level 3 with @simplewebauthn/server): registration options and
 * their verification, assertion options and their verification, for the three ceremonies: adding
 * a passkey (bound to the session), a passkey as second factor (bound to the pending sign-in or
 * the session being stepped up) and a passkey-only sign-in (bound to the browser). Challenges are
 * stored in Postgres, used once, and live CHALLENGE_LIFETIME_MS. Who may do what (a fresh
 * sign-in, throttling, the audit, the chat notices) is its callers' business.
 */
@Injectable()
export class PasskeyService {
  constructor(
    private readonly passkeys: PasskeyRepository,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Whether this domain can have passkeys (a domain name over HTTPS). */
  available(domain: DomainConfig): boolean {
    return relyingPartyOf(domain.base_url) !== undefined;
  }

  hasAny(user: User): Promise<boolean> {
    return this.passkeys.hasAny(user.id);
  }

  async list(user: User): Promise<PasskeySummary[]> {
    return (await this.passkeys.listOf(user.id)).map((p) => ({ id: p.id, label: p.label, createdAt: p.createdAt, lastUsedAt: p.usedAt, synced: p.backupEligible }));
  }

  remove(user: User, id: string): Promise<{ removed: boolean; remaining: number }> {
    return this.passkeys.remove(user.id, id);
  }

  /**
   * WebAuthn L3 §5.4 PublicKeyCredentialCreationOptions for adding a passkey: our RP ID, the
   * account's stable random user handle (never the username, §14.6.1), excludeCredentials (its
   * passkeys already added: the authenticator says so instead of making a second one, §5.4),
   * residentKey preferred (a discoverable credential can sign in alone, §5.4.6) and
   * userVerification preferred, attestation none (we trust no maker list; §5.4.7).
   */
  async registrationOptions(domain: DomainConfig, user: User, sessionId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = this.rpOf(domain);
    const handle = await this.passkeys.userHandle(user.id, Buffer.from(this.random.bytes(USER_HANDLE_BYTES)));
    const existing = await this.passkeys.listOf(user.id);
    const challenge = await this.newChallenge('register', domain, { sessionId }, null);
    const account = `${user.username}@${user.domain}`;
    return generateRegistrationOptions({
      rpName: domain.name,
      rpID: rp.rpId,
      userName: account,
      userDisplayName: account,
      userID: new Uint8Array(handle),
      challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
      timeout: CHALLENGE_LIFETIME_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: base64url(p.credentialId), transports: transportsOf(p.transports) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      supportedAlgorithmIDs: ALGORITHMS,
    });
  }

  /**
   * WebAuthn L3 §7.1 ("Registering a New Credential"), for the challenge handed to this session:
   * stores the passkey under `label`. Answers its id; PasskeyRefused otherwise.
   */
  async register(domain: DomainConfig, user: User, sessionId: string, label: string, input: string): Promise<string> {
    const rp = this.rpOf(domain);
    const json = readJson(input);
    const response = json.response;
    // §7.1 steps 5-6: clientDataJSON, parsed.
    const clientData = parseClientData(response['clientDataJSON']);
    if (clientData === undefined || typeof response['attestationObject'] !== 'string') throw new PasskeyRefused('malformed', user.id);
    // §7.1 step 9 (challenge), §13.4.3: ours, for this session, unused, unexpired; taken now.
    await this.takeChallenge(clientData.challenge, 'register', domain, { sessionId }, user.id);
    // §7.1 steps 7, 8, 10: type, origin, no framing.
    const refusal = checkClientData(clientData, 'webauthn.create', rp);
    if (refusal !== undefined) throw new PasskeyRefused(refusal, user.id);
    // §7.1 steps 12-15: the attestation object's authenticator data; rpIdHash, UP (UV preferred).
    let authData: Uint8Array;
    try {
      authData = decodeAttestationObject(Buffer.from(response['attestationObject'], 'base64url')).get('authData');
    } catch (error) {
      throw new PasskeyRefused('malformed', user.id, error);
    }
    const head = authData instanceof Uint8Array ? readAuthenticatorData(authData) : undefined;
    if (head === undefined) throw new PasskeyRefused('malformed', user.id);
    const dataRefusal = checkAuthenticatorData(head, rp, 'preferred');
    if (dataRefusal !== undefined) throw new PasskeyRefused(dataRefusal, user.id);
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      // The rest of §7.1 (steps 16-24: BE/BS consistency, the algorithm offered, the attestation
      // statement of format none), by the library, against the same expectations.
      verified = await verifyRegistrationResponse({
        response: json as unknown as RegistrationResponseJSON,
        expectedChallenge: clientData.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        expectedType: 'webauthn.create',
        requireUserPresence: true,
        requireUserVerification: false,
        supportedAlgorithmIDs: ALGORITHMS,
      });
    } catch (error) {
      throw new PasskeyRefused('malformed', user.id, error);
    }
    if (!verified.verified) throw new PasskeyRefused('malformed', user.id);
    const info = verified.registrationInfo;
    const credentialId = Buffer.from(info.credential.id, 'base64url');
    // §7.1 step 25: "credentialId is less than 1023 bytes" (the schema checks it too).
    if (credentialId.length === 0 || credentialId.length > 1023) throw new PasskeyRefused('malformed', user.id);
    const transports = transportsOf((response as { transports?: unknown }).transports);
    const id = await this.passkeys.insert(
      {
        userId: user.id,
        // Already at most MAX_PASSKEY_NAME code points (passkeyName); never cut inside a surrogate pair.
        label: [...label].slice(0, MAX_PASSKEY_NAME).join(''),
        credentialId,
        publicKey: Buffer.from(info.credential.publicKey),
        signCount: info.credential.counter,
        transports,
        aaguid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(info.aaguid) ? info.aaguid : null,
        backupEligible: info.credentialDeviceType === 'multiDevice',
        backupState: info.credentialBackedUp,
      },
      this.clock.now(),
    );
    // §7.1 step 26: "Verify that the credentialId is not yet registered for any user."
    if (id === undefined) throw new PasskeyRefused('already_registered', user.id);
    return id;
  }

  /**
   * WebAuthn L3 §5.5 PublicKeyCredentialRequestOptions. As a second factor (`user` given): that
   * account's passkeys in allowCredentials, userVerification preferred (the password was the
   * first factor). Passkey-only sign-in (no user): allowCredentials empty (a discoverable
   * credential names its account by its user handle, §5.5), userVerification required (the
   * passkey is both factors).
   */
  async authenticationOptions(domain: DomainConfig, purpose: Exclude<ChallengePurpose, 'register'>, binding: ChallengeBinding, user: User | undefined, address: string | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const rp = this.rpOf(domain);
    const allow = user === undefined ? [] : await this.passkeys.listOf(user.id);
    const challenge = await this.newChallenge(purpose, domain, binding, address);
    return generateAuthenticationOptions({
      rpID: rp.rpId,
      allowCredentials: allow.map((p) => ({ id: base64url(p.credentialId), transports: transportsOf(p.transports) })),
      challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
      timeout: CHALLENGE_LIFETIME_MS,
      userVerification: purpose === 'sign_in' ? 'required' : 'preferred',
    });
  }

  /** Reads the form's `response` (an assertion), unverified: which credential it names, and its client data. */
  read(input: string): PasskeyClaim {
    const json = readJson(input);
    const clientData = parseClientData(json.response['clientDataJSON']);
    if (clientData === undefined || typeof json.response['authenticatorData'] !== 'string' || typeof json.response['signature'] !== 'string') throw new PasskeyRefused('malformed');
    return { json: json as unknown as AuthenticationResponseJSON, credentialId: Buffer.from(json.id, 'base64url'), clientData };
  }

  /** The account a claim's credential belongs to (before anything is verified: for the throttle). */
  async ownerOf(claim: PasskeyClaim): Promise<string | undefined> {
    return (await this.passkeys.findByCredentialId(claim.credentialId))?.userId;
  }

  /**
   * WebAuthn L3 §7.2 ("Verifying an Authentication Assertion") for a challenge of `purpose` bound
   * to `binding`. `expectedUser`: the account the second factor is for (§7.2 step 6, the user was
   * identified before the ceremony); absent for passkey-only sign-in, where the credential's
   * user handle identifies it. Answers the proof; PasskeyRefused otherwise (`counter_regression`
   * for a counter gone backwards, which the caller audits).
   */
  async verifyAssertion(domain: DomainConfig, purpose: Exclude<ChallengePurpose, 'register'>, binding: ChallengeBinding, claim: PasskeyClaim, expectedUser?: User): Promise<PasskeyProof> {
    const rp = this.rpOf(domain);
    const { clientData, json } = claim;
    // §7.2 step 12, §13.4.3: the challenge is ours, for this binding, unused, unexpired; taken now.
    await this.takeChallenge(clientData.challenge, purpose, domain, binding, expectedUser?.id);
    // §7.2 steps 11, 13, 14.
    const refusal = checkClientData(clientData, 'webauthn.get', rp);
    if (refusal !== undefined) throw new PasskeyRefused(refusal, expectedUser?.id);
    // §7.2 steps 15-17: rpIdHash, UP, and UV where required.
    const head = readAuthenticatorData(Buffer.from(String(json.response.authenticatorData), 'base64url'));
    if (head === undefined) throw new PasskeyRefused('malformed', expectedUser?.id);
    const userVerification = purpose === 'sign_in' ? 'required' : 'preferred';
    const dataRefusal = checkAuthenticatorData(head, rp, userVerification);
    if (dataRefusal !== undefined) throw new PasskeyRefused(dataRefusal, expectedUser?.id);
    // §7.2 steps 5-7: the credential is one of ours; for a second factor, of the account signing in.
    const found = await this.passkeys.findByCredentialId(claim.credentialId);
    if (found === undefined || (expectedUser !== undefined && found.userId !== expectedUser.id)) throw new PasskeyRefused('unknown_credential', expectedUser?.id);
    // §7.2 step 6: "If credential.response.userHandle is present, verify that it equals the user
    // handle of the user account" (passkey-only: it must be present, the account is found by it).
    const handle = typeof json.response.userHandle === 'string' && json.response.userHandle !== '' ? Buffer.from(json.response.userHandle, 'base64url') : undefined;
    if (purpose === 'sign_in' && handle === undefined) throw new PasskeyRefused('user_handle_mismatch', found.userId);
    if (handle !== undefined && (found.userHandle === null || !found.userHandle.equals(handle))) throw new PasskeyRefused('user_handle_mismatch', found.userId);
    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      // §7.2 steps 18-21 (BE/BS, the signature over authData ‖ SHA-256(clientDataJSON)), by the
      // library. It is given counter 0 so that it judges the signature alone: the counter is
      // ours to judge below, after the signature, so that only the credential's holder (or its
      // clone) can ever trigger a counter refusal and its audit, not anyone who knows its id.
      verified = await verifyAuthenticationResponse({
        response: json,
        expectedChallenge: clientData.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.rpId,
        expectedType: 'webauthn.get',
        credential: { id: base64url(found.credentialId), publicKey: new Uint8Array(found.publicKey), counter: 0, transports: transportsOf(found.transports) },
        requireUserVerification: userVerification === 'required',
      });
    } catch (error) {
      throw new PasskeyRefused('bad_signature', found.userId, error);
    }
    if (!verified.verified) throw new PasskeyRefused('bad_signature', found.userId);
    const info = verified.authenticationInfo;
    // §7.2 step 22: a signature counter that did not move forward is refused.
    if (signCountVerdict(found.signCount, info.newCounter) === 'regression') throw new PasskeyRefused('counter_regression', found.userId);
    // §7.2 steps 19, 22, 24: the new counter and backup state, stored only if still ahead (two
    // instances verifying the same count at once: one wins, the other is a regression).
    if (!(await this.passkeys.recordUse(found.id, info.newCounter, info.credentialBackedUp, this.clock.now()))) throw new PasskeyRefused('counter_regression', found.userId);
    return { userId: found.userId, passkey: found, userVerified: info.userVerified };
  }

  pruneChallenges(): Promise<number> {
    return this.passkeys.pruneChallenges(this.clock.now());
  }

  private rpOf(domain: DomainConfig): RelyingPartyIdentity {
    const rp = relyingPartyOf(domain.base_url);
    if (rp === undefined) throw new PasskeysUnavailable();
    return rp;
  }

  private async newChallenge(purpose: ChallengePurpose, domain: DomainConfig, binding: ChallengeBinding, address: string | null): Promise<string> {
    const challenge = this.random.token(CHALLENGE_BYTES);
    const now = this.clock.now();
    const saved = await this.passkeys.saveChallenge(challenge, purpose, domain.name, binding, address, new Date(now.getTime() + CHALLENGE_LIFETIME_MS), now, MAX_SIGN_IN_CHALLENGES_PER_ADDRESS);
    if (!saved) throw new PasskeyChallengesExhausted();
    return challenge;
  }

  private async takeChallenge(challenge: string, purpose: ChallengePurpose, domain: DomainConfig, binding: ChallengeBinding, userId: string | undefined): Promise<void> {
    if (!/^[A-Za-z0-9_-]{22,128}$/.test(challenge)) throw new PasskeyRefused('challenge_unknown', userId);
    const taken = await this.passkeys.takeChallenge(challenge, purpose, domain.name, binding);
    if (taken === undefined) throw new PasskeyRefused('challenge_unknown', userId);
    if (taken.expiresAt.getTime() <= this.clock.now().getTime()) throw new PasskeyRefused('challenge_expired', userId);
  }
}
