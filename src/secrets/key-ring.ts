import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readKeyFile, type KeyFileContent, type OperatorKey } from './key-file.js';

// Secrets at rest: AES-256-GCM (NIST SP 800-38D) under the operator's active key, a 96-bit
// random IV per value (SP 800-38D §8.2.2: at 2^32 values per key the chance of a repeated IV
// stays below 2^-32; a key protects far fewer rows), a 128-bit tag, and associated data naming
// what the value is and where it belongs (for an association: its handle, kind, type and the key
// id), so that a ciphertext copied onto another row, or a row whose key id was edited, fails
// authentication instead of decrypting (OWASP ASVS 6.2.1, 6.2.5).

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** How often the key file is looked at again for a key added by `keys rotate` (secrets.reload_interval). */
const DEFAULT_RECHECK_MS = 5_000;

/** A sealed value as stored: the key id, the IV, and the ciphertext followed by its tag. */
export interface Sealed {
  readonly keyId: string;
  readonly iv: Buffer;
  readonly sealed: Buffer;
}

export interface KeyRingEvents {
  /** Called when the file was read again and its key list changed (ids only). */
  reloaded?(ids: readonly string[], active: string): void;
  /** Called when the file changed but could not be used; the keys already loaded stay in use. */
  reloadFailed?(error: Error): void;
}

/**
 * The operator key ring read from secrets.key_file: seals new values under the active (last)
 * key and opens values sealed under any key of the file. Reads the file again every few seconds
 * when it changed (and at once when a row names a key it does not know), so a rotation made
 * elsewhere reaches every instance without a restart.
 */
export class KeyRing {
  private keys: readonly OperatorKey[];
  private byId: ReadonlyMap<string, OperatorKey>;
  private mtimeMs: number;
  private checkedAt = performance.now();

  constructor(
    readonly file: string,
    content: KeyFileContent,
    private readonly events: KeyRingEvents = {},
    private readonly recheckMs = DEFAULT_RECHECK_MS,
  ) {
    this.keys = content.keys;
    this.byId = new Map(content.keys.map((k) => [k.id, k]));
    this.mtimeMs = content.mtimeMs;
  }

  /** The active key's id (the last of the file). */
  get activeId(): string {
    this.refresh(false);
    return this.keys[this.keys.length - 1]!.id;
  }

  /** The ids and creation dates of the keys, oldest first (no key material). */
  list(): { id: string; createdAt: Date; active: boolean }[] {
    this.refresh(false);
    return this.keys.map((k, i) => ({ id: k.id, createdAt: k.createdAt, active: i === this.keys.length - 1 }));
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /**
   * Keys for one purpose derived from the operator keys (HKDF-SHA256, RFC 5869, `purpose` as its
   * info so that no two uses share a key), the active key's first, then the older ones newest
   * first: for values others verify with any key of a list (signed cookies) while a rotation
   * reaches every instance. Every instance on one key file derives the same list.
   */
  derive(purpose: string, bytes = 32): Buffer[] {
    this.refresh(false);
    return [...this.keys].reverse().map((k) => Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), `openid-provider ${purpose}`, bytes)));
  }

  seal(plain: Buffer, associatedData: string): Sealed {
    this.refresh(false);
    const key = this.keys[this.keys.length - 1]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { keyId: key.id, iv, sealed };
  }

  /**
   * The plain value, or undefined when it cannot be trusted: unknown key id, wrong IV length,
   * tag mismatch (tampered ciphertext, IV, key id, or associated data of another row).
   */
  open(value: Sealed, associatedData: string): Buffer | undefined {
    let key = this.byId.get(value.keyId);
    if (key === undefined) {
      this.refresh(true);
      key = this.byId.get(value.keyId);
      if (key === undefined) return undefined;
    }
    if (value.iv.length !== IV_BYTES || value.sealed.length < TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key.key, value.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(value.sealed.subarray(value.sealed.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(value.sealed.subarray(0, value.sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      // SP 800-38D §7.2: on a tag mismatch nothing of the plaintext may be used.
      return undefined;
    }
  }

  /** Reads the file again if it changed; `now` ignores the few-seconds pacing (an unknown key id). */
  refresh(now: boolean): void {
    const at = performance.now();
    if (!now && at - this.checkedAt < this.recheckMs) return;
    this.checkedAt = at;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch (error) {
      this.events.reloadFailed?.(error as Error);
      return;
    }
    if (mtimeMs === this.mtimeMs) return;
    try {
      const content = readKeyFile(this.file);
      // A key still in use must not vanish from a running process because a line was deleted too
      // early: the loaded keys stay, the file's order decides the active one.
      const merged = new Map(this.keys.map((k) => [k.id, k]));
      for (const k of content.keys) merged.set(k.id, k);
      const inFile = new Set(content.keys.map((k) => k.id));
      this.keys = [...[...merged.values()].filter((k) => !inFile.has(k.id)), ...content.keys];
      this.byId = merged;
      this.mtimeMs = content.mtimeMs;
      this.events.reloaded?.(this.keys.map((k) => k.id), this.keys[this.keys.length - 1]!.id);
    } catch (error) {
      this.mtimeMs = mtimeMs;
      this.events.reloadFailed?.(error as Error);
    }
  }
}
