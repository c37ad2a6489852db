import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import { Clock } from '../../common/clock.js';
import { KeyRing } from '../../secrets/key-ring.js';
import { OidcStorage } from '../contracts.js';
import type { OidcModel } from './oidc-model.entity.js';
import { OidcModelRepository } from './oidc-model.repository.js';

// oidc-provider's persistence on PostgreSQL (or the embedded database): the semantics of its
// lib/adapters/memory_adapter.js, shared by every instance.
//
// What a copy of the database (a backup, a replica, an SQL injection) must not give away:
// - Ids. For opaque tokens (authorization codes, access and refresh tokens, registration and
//   initial access tokens) the id IS the token, for sessions and interactions it is the cookie's
//   value. Rows are keyed by the SHA-256 of the id: find(id) hashes what it is given, so the
//   Adapter's semantics hold while the table holds no usable token. The ids are 128 bits or more
//   from oidc-provider's CSPRNG (nanoid), so a plain hash suffices (no salt or slow hash: nothing
//   to guess). `jti`, the id again, is removed from the stored payload and put back from the id
//   find() was given.
// - Secret fields of payloads, sealed with AES-256-GCM under the operator key (src/secrets, as
//   association MAC keys are), because oidc-provider needs them back in clear:
//   · `jti` of the models looked up by something other than their id (Session by uid, device codes
//     by user code): their callers get the whole payload back, id included, and may save it;
//   · `userCode` (the column holds its hash; DeviceCode compares the payload's copy);
//   · `client_secret` of dynamically registered clients (compared in clear by client_secret_basic
//     and used as the HMAC key of client_secret_jwt, OpenID Connect Core 1.0 §9);
//   · `session.cookie` of interactions: the session cookie's value.
//   The rest (account ids, scopes, claims requests, PKCE challenges, redirect URIs, grant ids)
//   is not a credential (a code_challenge is public by design, RFC 7636 §7.1) and stays queryable.
//   A sealed row that no longer opens (its operator key removed from the key file) reads as absent.
// - Expired rows: find never answers them, and every database.prune_interval they are deleted.

/** RFC 6749 §4.1.2 / RFC 9700 §4.14.2: a reused code or rotated refresh token revokes its grant. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);
const MODEL_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** Secret fields, as paths into the payload (see above). */
const SEALED_PATHS: readonly (readonly string[])[] = [['userCode'], ['client_secret'], ['session', 'cookie']];
/** NUL and lone surrogates: PostgreSQL's jsonb refuses them (it cannot store U+0000 at all). */
const UNSTORABLE = /[\0\p{Cs}]/u;
/** The varchar(255) columns (grant_id, uid): oidc-provider's ids are 21 to 43 characters. */
const MAX_INDEXED = 255;

function indexable(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_INDEXED && !UNSTORABLE.test(value);
}

function hashId(id: string): Buffer {
  return createHash('sha256').update(id, 'utf8').digest();
}

/** The associated data of a row's sealed fields: a ciphertext moved to another row fails to open. */
export function oidcModelData(model: string, id: Buffer): string {
  return `oidc_models\0${model}\0${id.toString('base64url')}`;
}

function unstorable(value: unknown, depth = 0): boolean {
  if (depth > 32) return true;
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some((v) => unstorable(v, depth + 1));
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => UNSTORABLE.test(k) || unstorable(v, depth + 1));
  return false;
}

class OidcModelAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly rows: OidcModelRepository,
    private readonly keys: KeyRing,
    private readonly clock: Clock,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    // Bad input reaches payloads (an authorization request's parameters in an Interaction): a
    // value PostgreSQL cannot store is a structured invalid_request, never a 500.
    if (unstorable(payload)) throw new errors.InvalidRequest('request parameters must not contain NUL characters or unpaired surrogates');
    for (const field of ['grantId', 'uid'] as const) {
      if (payload[field] !== undefined && !indexable(payload[field])) throw new errors.InvalidRequest(`${field} must be a string of at most ${MAX_INDEXED} characters`);
    }
    const now = this.clock.now();
    const key = hashId(id);
    const { jti: _jti, consumed, ...rest } = payload as AdapterPayload & { client_secret?: unknown };
    const stored = structuredClone(rest) as Record<string, unknown>;
    const secret: Record<string, unknown> = {};
    for (const path of SEALED_PATHS) {
      const value = take(stored, path);
      if (value !== undefined) secret[path.join('.')] = value;
    }
    if (this.model === 'Session' || typeof payload.userCode === 'string') secret['jti'] = id;
    let sealed: { keyId: string; iv: Buffer; sealed: Buffer } | null = null;
    if (Object.keys(secret).length > 0) sealed = this.keys.seal(Buffer.from(JSON.stringify(secret), 'utf8'), oidcModelData(this.model, key));
    const row: OidcModel = {
      model: this.model,
      id: key,
      payload: stored,
      grantId: GRANTABLE.has(this.model) && typeof payload.grantId === 'string' ? payload.grantId : null,
      uid: typeof payload.uid === 'string' ? payload.uid : null,
      userCode: typeof payload.userCode === 'string' ? hashId(payload.userCode) : null,
      keyId: sealed?.keyId ?? null,
      iv: sealed?.iv ?? null,
      sealed: sealed?.sealed ?? null,
      expiresAt: typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? new Date(now.getTime() + expiresIn * 1000) : null,
      consumedAt: typeof consumed === 'number' ? new Date(consumed * 1000) : consumed ? now : null,
    };
    if (this.model === 'ReplayDetection') {
      // ReplayDetection.unique() is find-then-save: two instances could both find nothing and
      // both accept one client assertion or DPoP proof (RFC 7523 §3 item 7, RFC 9449 §11.1). The
      // insert decides: a second sighting of a live jti is refused here.
      if (!(await this.rows.insertUnlessLive(row, now))) throw new errors.InvalidRequest('replay detected: this jti was already used');
      return;
    }
    await this.rows.upsert(row);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const key = hashId(id);
    const row = await this.rows.find(this.model, key, this.clock.now());
    return row && this.payloadOf(row, id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    if (!indexable(uid)) return undefined;
    const row = await this.rows.findByUid(this.model, uid, this.clock.now());
    return row && this.payloadOf(row, undefined);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const row = await this.rows.findByUserCode(this.model, hashId(userCode), this.clock.now());
    return row && this.payloadOf(row, undefined);
  }

  /**
   * Once per row across every instance. oidc-provider reads `consumed` before it consumes, so two
   * requests racing with one code both see it unconsumed; the one that loses the UPDATE here is
   * refused as a reuse would be: its grant revoked (RFC 6749 §4.1.2 for codes, RFC 9700 §4.14.2
   * for rotated refresh tokens) and invalid_grant, so no two token responses come from one code
   * (or one refresh token).
   */
  async consume(id: string): Promise<void> {
    const result = await this.rows.consume(this.model, hashId(id), this.clock.now());
    if (result.won) return;
    if (result.grantId !== null) {
      // The Grant too, as oidc-provider's own reuse detection does (revoke() with its default
      // revokeGrantPolicy): tokens the winner saves after this delete then fail too, for want of
      // their grant.
      await this.rows.deleteGrant(result.grantId);
      await this.rows.destroy('Grant', hashId(result.grantId));
    }
    if (this.model === 'PushedAuthorizationRequest') throw new errors.InvalidRequest('request_uri already used');
    throw new errors.InvalidGrant('grant already used');
  }

  async destroy(id: string): Promise<void> {
    await this.rows.destroy(this.model, hashId(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    if (!indexable(grantId)) return;
    await this.rows.deleteGrant(grantId);
  }

  /** The payload as oidc-provider stored it; undefined when its sealed part does not open. */
  private payloadOf(row: OidcModel, id: string | undefined): AdapterPayload | undefined {
    const payload: Record<string, unknown> = { ...row.payload };
    if (row.sealed !== null && row.iv !== null && row.keyId !== null) {
      const plain = this.keys.open({ keyId: row.keyId, iv: row.iv, sealed: row.sealed }, oidcModelData(this.model, row.id));
      if (plain === undefined) return undefined;
      const secret = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
      for (const [path, value] of Object.entries(secret)) {
        if (path === 'jti') payload['jti'] = value;
        else put(payload, path.split('.'), value);
      }
    }
    if (id !== undefined) payload['jti'] = id;
    // As the memory adapter: `consumed` is the time of the consume, in seconds since the epoch.
    if (row.consumedAt !== null) payload['consumed'] = Math.floor(row.consumedAt.getTime() / 1000);
    return payload as AdapterPayload;
  }
}

/** Removes the value at `path` from `object` (a fresh copy), answering it. */
function take(object: Record<string, unknown>, path: readonly string[]): unknown {
  let at: unknown = object;
  for (const part of path.slice(0, -1)) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  const last = path[path.length - 1]!;
  if (at === null || typeof at !== 'object' || !Object.hasOwn(at, last)) return undefined;
  const value = (at as Record<string, unknown>)[last];
  delete (at as Record<string, unknown>)[last];
  return value;
}

function put(object: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = object;
  for (const part of path.slice(0, -1)) {
    const next = at[part];
    // The parent was stored in the payload (jsonb): copy it before writing into it.
    at = at[part] = next !== null && typeof next === 'object' ? { ...(next as Record<string, unknown>) } : {};
  }
  at[path[path.length - 1]!] = value;
}

/** OidcStorage (src/oidc/contracts.ts): one adapter per oidc-provider model name. */
@Injectable()
export class OidcStorageService extends OidcStorage {
  private readonly adapters = new Map<string, Adapter>();

  constructor(
    private readonly rows: OidcModelRepository,
    private readonly keys: KeyRing,
    private readonly clock: Clock,
  ) {
    super();
  }

  adapterFor(model: string): Adapter {
    if (!MODEL_NAME.test(model)) throw new TypeError('an oidc-provider model name is 1 to 64 letters and digits');
    let adapter = this.adapters.get(model);
    if (adapter === undefined) this.adapters.set(model, (adapter = new OidcModelAdapter(model, this.rows, this.keys, this.clock)));
    return adapter;
  }

  /** How many unexpired rows each operator key seals (`keys list`, `keys remove`). */
  sealedPerOperatorKey(): Promise<Map<string, number>> {
    return this.rows.rowsPerKey(this.clock.now());
  }

  /** Deletes expired rows (database.prune_interval); answers how many went. */
  pruneExpired(): Promise<number> {
    return this.rows.pruneExpiredBefore(this.clock.now());
  }
}
