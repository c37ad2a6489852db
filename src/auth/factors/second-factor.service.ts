import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import { KeyRing } from '../../secrets/key-ring.js';
import type { User } from '../../users/user.entity.js';
import type { SecondFactorKind } from './assurance.js';
import { base32, formatRecoveryCode, readCode, RECOVERY_CODE_BYTES, RECOVERY_CODE_COUNT } from './codes.js';
import { type FactorRow, SecondFactorRepository, type TotpRow } from './second-factor.repository.js';

/** RFC 4226 §4 R6 (and RFC 6238 §5.1): shared secrets of at least 128 bits, 160 recommended. */
const TOTP_SECRET_BYTES = 20;
/** RFC 6238 §4.1 X (the default of every authenticator app), in seconds. */
const TOTP_PERIOD = 30;
/**
 * RFC 6238 §5.2: "at most one time step is allowed as the network delay" (and clock drift): the
 * codes of the steps just before and after now are accepted too.
 */
const TOTP_TOLERANCE_SECONDS = TOTP_PERIOD;
/** Unconfirmed enrolments older than this are deleted by the pruning. */
export const UNCONFIRMED_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * The label every authenticator app is stored with (second_factors.label). People see it in their
 * own language (account.factors.app): the pages and messages that list apps translate this one.
 */
export const TOTP_LABEL = 'Authenticator app';

/** The owner's view of their second factors: names and dates, never a secret or a hash. */
export interface FactorOverview {
  apps: { id: string; label: string; createdAt: Date; lastUsedAt: Date | null }[];
  /** Passkeys (WebAuthn), by the name their owner gave. */
  passkeys: { id: string; label: string; createdAt: Date; lastUsedAt: Date | null }[];
  /** The current set of recovery codes: how many are left of how many. */
  recovery: { left: number; total: number; createdAt: Date } | undefined;
}

/** The enrolment page of an authenticator app: the otpauth URI and its QR code (SVG). */
export interface TotpSetup {
  id: string;
  uri: string;
  svg: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** What the sealed secret belongs to (AES-GCM associated data): a ciphertext moved to another row or account fails to open. */
function secretContext(row: { id: string }, userId: string): string {
  return `second factor totp\n${row.id}\n${userId}`;
}

/**
 * Second factors (issue 13), by kind: authenticator apps (RFC 6238 TOTP, the secret sealed at rest
 * under the operator key) and one-time recovery codes (SHA-256 only); passkeys are one more kind
 * (their ceremonies in PasskeyService), counted and listed here. This service enrols, lists, removes and checks them; who may do so (a fresh sign-in,
 * throttling, the audit, the chat notices) is its callers' business.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly factors: SecondFactorRepository,
    private readonly keyRing: KeyRing,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Whether signing in to this account asks for a second factor. */
  enrolled(user: User): Promise<boolean> {
    return this.factors.hasConfirmed(user.id);
  }

  async overview(user: User): Promise<FactorOverview> {
    return overviewOf(await this.factors.listOf(user.id));
  }

  /** Starts adding an authenticator app: a new secret (CSPRNG), sealed, not yet a factor. Answers its id. */
  async beginTotp(user: User): Promise<string> {
    const id = randomUUID();
    const secret = Buffer.from(base32(this.random.bytes(TOTP_SECRET_BYTES)), 'ascii');
    const sealed = this.keyRing.seal(secret, secretContext({ id }, user.id));
    secret.fill(0);
    await this.factors.insertTotp(id, user.id, TOTP_LABEL, sealed, this.clock.now());
    return id;
  }

  /** The enrolment page's data for an unconfirmed app of this user; undefined when there is none of that id. */
  async totpSetup(user: User, id: string): Promise<TotpSetup | undefined> {
    const row = await this.factors.findTotp(user.id, id);
    if (row === undefined || row.confirmedAt !== null) return undefined;
    const secret = this.secretOf(row, user);
    if (secret === undefined) return undefined;
    // Key URI Format (google-authenticator wiki): issuer prefix and parameter, the account as label.
    const uri = generateURI({ issuer: user.domain, label: `${user.username}@${user.domain}`, secret, period: TOTP_PERIOD });
    const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { id, uri, svg };
  }

  /** The enrolment's first code: right (and its step not taken yet) confirms the app, which counts from now on. */
  async confirmTotp(user: User, id: string, input: string): Promise<boolean> {
    const row = await this.factors.findTotp(user.id, id);
    const typed = readCode(input);
    if (row === undefined || row.confirmedAt !== null || typed?.kind !== 'totp') return false;
    const step = this.matchingStep(row, user, typed.token);
    return step !== undefined && this.factors.takeStep(user.id, id, step, this.clock.now(), true);
  }

  /**
   * A code typed at the second-factor prompt: which kind of factor it proved, or undefined. Each
   * code works once: a TOTP step or a recovery code is taken by one atomic UPDATE, so the same
   * code sent twice (or to two instances) signs in once.
   */
  async verify(user: User, input: string): Promise<SecondFactorKind | undefined> {
    const typed = readCode(input);
    if (typed === undefined) return undefined;
    const now = this.clock.now();
    if (typed.kind === 'recovery') return (await this.factors.spendRecoveryCode(user.id, sha256(typed.code), now)) ? 'recovery' : undefined;
    for (const row of await this.factors.confirmedTotps(user.id)) {
      const step = this.matchingStep(row, user, typed.token);
      if (step !== undefined && (await this.factors.takeStep(user.id, row.id, step, now, false))) return 'totp';
    }
    return undefined;
  }

  /** A new set of recovery codes, replacing the old (each shown once: only their SHA-256 is kept). */
  async newRecoveryCodes(user: User): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => formatRecoveryCode(this.random.bytes(RECOVERY_CODE_BYTES)));
    await this.factors.replaceRecoveryCodes(
      user.id,
      codes.map((c) => sha256(c.replace(/-/g, ''))),
      'Recovery code',
      this.clock.now(),
    );
    return codes;
  }

  /** Removes an authenticator app; answers whether it was one of the user's, and how many second factors (apps, passkeys) stay. */
  removeTotp(user: User, id: string): Promise<{ removed: boolean; remaining: number }> {
    return this.factors.removeTotp(user.id, id);
  }

  /** Whether removing `id` (an app or a passkey) would leave the account without any second factor. */
  async isLast(user: User, id: string): Promise<boolean> {
    const { apps, passkeys } = await this.overview(user);
    const all = [...apps, ...passkeys];
    return all.length === 1 && all[0]!.id === id;
  }

  forgetRememberedDevices(user: User): Promise<void> {
    return this.factors.forgetRememberedDevices(user.id);
  }

  pruneUnconfirmed(): Promise<number> {
    return this.factors.pruneUnconfirmed(new Date(this.clock.now().getTime() - UNCONFIRMED_LIFETIME_MS));
  }

  rowsPerKey(): Promise<Map<string, number>> {
    return this.factors.rowsPerKey();
  }

  /**
   * `keys rotate`: every authenticator-app secret sealed under an older operator key is sealed again
   * under the active one, so that the old key can go (the app's secret cannot be made again
   * without the person). Answers how many were.
   */
  async reseal(): Promise<number> {
    const active = this.keyRing.activeId;
    let moved = 0;
    for (const row of await this.factors.sealedNotUnder(active)) {
      const plain = this.keyRing.open(row.sealed, secretContext(row, row.userId));
      if (plain === undefined) continue;
      const sealed = this.keyRing.seal(plain, secretContext(row, row.userId));
      plain.fill(0);
      if (await this.factors.reseal(row.id, row.sealed.keyId, sealed)) moved++;
    }
    return moved;
  }

  /** The RFC 6238 time step `token` is the code of (within the tolerance), or undefined. */
  private matchingStep(row: TotpRow, user: User, token: string): number | undefined {
    const secret = this.secretOf(row, user);
    if (secret === undefined) return undefined;
    try {
      // otplib compares in constant time (its constantTimeEqual).
      const result = verifySync({ secret, token, period: TOTP_PERIOD, epoch: Math.floor(this.clock.now().getTime() / 1000), epochTolerance: TOTP_TOLERANCE_SECONDS });
      return result.valid && 'timeStep' in result ? result.timeStep : undefined;
    } catch {
      return undefined;
    }
  }

  /** The base32 secret, opened in memory only (never logged); undefined when its key is gone or the row was tampered with. */
  private secretOf(row: TotpRow, user: User): string | undefined {
    return this.keyRing.open(row.sealed, secretContext(row, user.id))?.toString('ascii');
  }
}

function overviewOf(rows: readonly FactorRow[]): FactorOverview {
  const apps = rows.filter((r) => r.kind === 'totp' && r.confirmedAt !== null).map((r) => ({ id: r.id, label: r.label, createdAt: r.confirmedAt!, lastUsedAt: r.usedAt }));
  const passkeys = rows.filter((r) => r.kind === 'webauthn').map((r) => ({ id: r.id, label: r.label, createdAt: r.createdAt, lastUsedAt: r.usedAt }));
  const codes = rows.filter((r) => r.kind === 'recovery');
  const recovery = codes.length === 0 ? undefined : { left: codes.filter((c) => c.usedAt === null).length, total: codes.length, createdAt: codes[0]!.createdAt };
  return { apps, passkeys, recovery };
}
