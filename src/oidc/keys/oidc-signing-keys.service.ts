import { createHash, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { JWK } from 'oidc-provider';
import { Clock } from '../../common/clock.js';
import { oidcConfig } from '../../config/namespaces.js';
import { KeyRing } from '../../secrets/key-ring.js';
import { type OidcKeySet, OidcSigningKeys } from '../contracts.js';
import { jwkThumbprint } from './jwk-thumbprint.js';
import { OidcSigningKey } from './oidc-signing-key.entity.js';
import { OidcSigningKeyRepository } from './oidc-signing-key.repository.js';

const generate = promisify(generateKeyPair);

/**
 * The algorithms the provider signs with, in the order their active keys are published. RS256
 * first: OpenID Connect Core 1.0 §15.1 makes it the one every OP must support, and the default
 * of id_token_signed_response_alg (OpenID Connect Dynamic Client Registration 1.0 §2).
 * RSA 2048 bits (NIST SP 800-57 Part 1 §5.6.1: 112-bit security until 2030), ES256 on P-256
 * (RFC 7518 §3.4).
 */
export const SIGNING_ALGS = ['RS256', 'ES256'] as const;

/**
 * How long one instance reuses the key set it read: every Connect request asks for it (the
 * providers are rebuilt when its fingerprint changes), and reading it is a query plus opening
 * each sealed key. A rotation made by the CLI, or on another instance, is picked up within this.
 */
export const KEY_SET_CACHE_MS = 5_000;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

async function newPrivateJwk(alg: SigningAlg): Promise<JWK> {
  const { privateKey } = alg === 'RS256' ? await generate('rsa', { modulusLength: 2048 }) : await generate('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'jwk' }) as JWK;
}

/** The associated data of a sealed signing key: a ciphertext moved onto another row fails to open. */
export function signingKeyData(kid: string, alg: string): string {
  return `oidc_signing_keys\0${kid}\0${alg}`;
}

export type SigningKeyState = 'active' | 'retired' | 'expired';

export interface SigningKeyInfo {
  kid: string;
  alg: string;
  createdAt: Date;
  state: SigningKeyState;
  retiredAt: Date | null;
  /** Retired keys: until when they are published (retired_at + oidc.keys.retain_for). */
  publishedUntil: Date | null;
  /** The operator key (secrets.key_file) that seals it. */
  operatorKeyId: string;
}

export class SigningKeyRefused extends Error {}

/**
 * OidcSigningKeys (src/oidc/contracts.ts): the signing keys in oidc_signing_keys, their private
 * JWKs sealed under the operator key (src/secrets). Generated on first use, one per algorithm, by
 * whichever instance gets there first; rotated and removed by `npm run cli -- oidc keys …`. A
 * retired key stays in the set for oidc.keys.retain_for, so that ID tokens and JWT access tokens
 * it signed verify until they expire.
 */
@Injectable()
export class OidcSigningKeysService extends OidcSigningKeys {
  /** Opened JWKs by kid and sealed value: a row re-sealed under another operator key opens again. */
  private readonly opened = new Map<string, { sealed: Buffer; jwk: JWK }>();
  private generating: Promise<void> | undefined;

  private cached: { at: number; until: number; set: Promise<{ set: OidcKeySet; changesAt: number }> } | undefined;

  constructor(
    private readonly keys: OidcSigningKeyRepository,
    private readonly ring: KeyRing,
    private readonly clock: Clock,
    @Inject(oidcConfig.KEY) private readonly oidc: Pick<ConfigType<typeof oidcConfig>, 'keys'>,
  ) {
    super();
  }

  async current(): Promise<OidcKeySet> {
    // The injected clock, so that retirement (a date) and the cache agree on what time it is.
    const now = this.clock.now().getTime();
    const hit = this.cached;
    if (hit !== undefined && now >= hit.at && now < hit.until) return hit.set.then((r) => r.set);
    const read = this.read();
    // Kept for KEY_SET_CACHE_MS, and never past the moment a retired key stops being published.
    const entry = { at: now, until: now + KEY_SET_CACHE_MS, set: read };
    this.cached = entry;
    void read.then(
      (r) => (entry.until = Math.min(entry.until, r.changesAt)),
      // A failed read (database away) is not kept: the next request tries again.
      () => {
        if (this.cached === entry) this.cached = undefined;
      },
    );
    const { set } = await read;
    return set;
  }

  private async read(): Promise<{ set: OidcKeySet; changesAt: number }> {
    let rows = await this.keys.all();
    if (SIGNING_ALGS.some((alg) => !rows.some((r) => r.alg === alg && r.retiredAt === null))) {
      // One generation at a time in this process; across instances the unique index decides.
      this.generating ??= this.generateMissing(rows).finally(() => (this.generating = undefined));
      await this.generating;
      rows = await this.keys.all();
    }
    const now = this.clock.now();
    const active = SIGNING_ALGS.map((alg) => rows.find((r) => r.alg === alg && r.retiredAt === null)).filter((r) => r !== undefined);
    const retired = rows
      .filter((r) => r.retiredAt !== null && this.publishedUntil(r)!.getTime() > now.getTime())
      .sort((a, b) => b.retiredAt!.getTime() - a.retiredAt!.getTime());
    // oidc-provider signs with the first key of the wanted alg (lib/helpers/keystore.js: a stable
    // sort by score, equal for keys of one alg), so each alg's active key comes before any
    // retired one; retired keys are only there to verify.
    const jwks: JWK[] = [];
    for (const row of active) {
      const jwk = this.open(row);
      if (jwk === undefined) throw new Error(`OpenID Connect signing key ${row.kid} (${row.alg}) is sealed under operator key ${row.keyId}, which the key file lacks or which does not open it`);
      jwks.push(jwk);
    }
    // A retired key that no longer opens only stops verifying older tokens: it is left out.
    for (const row of retired) {
      const jwk = this.open(row);
      if (jwk !== undefined) jwks.push(jwk);
    }
    const fingerprint = createHash('sha256')
      .update(jwks.map((k) => `${k.kid}:${k.alg}`).join('\n'))
      .digest('base64url');
    const changesAt = Math.min(Infinity, ...retired.map((r) => this.publishedUntil(r)!.getTime()));
    return { set: { fingerprint, jwks: { keys: jwks } }, changesAt };
  }

  /** Every key with its state (no key material), oldest first: `oidc keys list`. */
  async list(): Promise<SigningKeyInfo[]> {
    const now = this.clock.now();
    const rank = (alg: string): number => SIGNING_ALGS.indexOf(alg as SigningAlg);
    const rows = (await this.keys.all()).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || rank(a.alg) - rank(b.alg));
    return rows.map((r) => {
      const until = this.publishedUntil(r);
      return {
        kid: r.kid,
        alg: r.alg,
        createdAt: r.createdAt,
        state: r.retiredAt === null ? 'active' : until!.getTime() > now.getTime() ? 'retired' : 'expired',
        retiredAt: r.retiredAt,
        publishedUntil: until,
        operatorKeyId: r.keyId,
      };
    });
  }

  /** A new active key per algorithm; the previous ones retired (still published). Answers the new kids. */
  async rotate(): Promise<{ alg: SigningAlg; kid: string }[]> {
    this.cached = undefined;
    const now = this.clock.now();
    const made: { alg: SigningAlg; kid: string }[] = [];
    for (const alg of SIGNING_ALGS) {
      const row = await this.sealedKey(alg, now);
      await this.keys.replaceActive(row, now);
      made.push({ alg, kid: row.kid });
    }
    return made;
  }

  /** Deletes a retired key past its retention; anything else is refused (SigningKeyRefused). */
  async remove(kid: string): Promise<SigningKeyInfo> {
    this.cached = undefined;
    const key = (await this.list()).find((k) => k.kid === kid);
    if (key === undefined) throw new SigningKeyRefused(`no OpenID Connect signing key ${kid}`);
    if (key.state === 'active') throw new SigningKeyRefused(`signing key ${kid} is the active ${key.alg} key: rotate first`);
    if (key.state === 'retired') {
      throw new SigningKeyRefused(`signing key ${kid} is still published until ${key.publishedUntil!.toISOString()} (oidc.keys.retain_for), so that what it signed verifies: remove it after that`);
    }
    if (!(await this.keys.remove(kid))) throw new SigningKeyRefused(`no OpenID Connect signing key ${kid}`);
    return key;
  }

  /** How many signing keys each operator key seals (`keys list`, `keys remove`). */
  sealedPerOperatorKey(): Promise<Map<string, number>> {
    return this.keys.rowsPerKey();
  }

  /** Re-seals every signing key under the active operator key (after `keys rotate`); answers how many moved. */
  async reseal(): Promise<number> {
    this.cached = undefined;
    const active = this.ring.activeId;
    let moved = 0;
    for (const row of await this.keys.all()) {
      if (row.keyId === active) continue;
      const jwk = this.open(row);
      if (jwk === undefined) continue;
      const sealed = this.ring.seal(Buffer.from(JSON.stringify(jwk), 'utf8'), signingKeyData(row.kid, row.alg));
      if (await this.keys.reseal(row.kid, row.keyId, { keyId: sealed.keyId, iv: sealed.iv, sealedJwk: sealed.sealed })) moved++;
    }
    return moved;
  }

  private publishedUntil(row: OidcSigningKey): Date | null {
    return row.retiredAt === null ? null : new Date(row.retiredAt.getTime() + this.oidc.keys.retain_for * 1000);
  }

  private async generateMissing(rows: readonly OidcSigningKey[]): Promise<void> {
    const now = this.clock.now();
    for (const alg of SIGNING_ALGS) {
      if (rows.some((r) => r.alg === alg && r.retiredAt === null)) continue;
      await this.keys.insertActiveIfAbsent(await this.sealedKey(alg, now));
    }
  }

  private async sealedKey(alg: SigningAlg, now: Date): Promise<OidcSigningKey> {
    const material = await newPrivateJwk(alg);
    const kid = jwkThumbprint(material);
    const jwk: JWK = { ...material, kid, alg, use: 'sig' };
    const sealed = this.ring.seal(Buffer.from(JSON.stringify(jwk), 'utf8'), signingKeyData(kid, alg));
    return Object.assign(new OidcSigningKey(), { kid, alg, keyId: sealed.keyId, iv: sealed.iv, sealedJwk: sealed.sealed, createdAt: now, retiredAt: null });
  }

  private open(row: OidcSigningKey): JWK | undefined {
    const cached = this.opened.get(row.kid);
    if (cached !== undefined && cached.sealed.equals(row.sealedJwk)) return cached.jwk;
    const plain = this.ring.open({ keyId: row.keyId, iv: row.iv, sealed: row.sealedJwk }, signingKeyData(row.kid, row.alg));
    if (plain === undefined) return undefined;
    const jwk = JSON.parse(plain.toString('utf8')) as JWK;
    this.opened.set(row.kid, { sealed: row.sealedJwk, jwk });
    return jwk;
  }
}
