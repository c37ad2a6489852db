import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

// The operator key file: the keys that encrypt the secrets the provider keeps in the database
// (association MAC keys, the private-association derivation key). It lives outside the YAML and
// outside the database, so that a copy of the database (a backup, a replica, an SQL injection)
// holds no usable secret. One key per line, the newest last, and the last one is the active key:
//
//   # comments and blank lines are ignored
//   <key id> <created, ISO 8601> <base64 of 32 random bytes>
//
// Errors name the file and the line, never its content.

/** AES-256 (NIST SP 800-38D with a 256-bit key): 32 bytes. */
export const OPERATOR_KEY_BYTES = 32;
const MAX_FILE_BYTES = 64 * 1024;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const HEADER = [
  '# openid-provider operator keys (secrets.key_file). Keep this file secret (mode 0600) and backed up:',
  '# without it the encrypted rows of the database are unreadable. One key per line,',
  '# "<id> <created> <base64 of 32 bytes>"; the last line is the active key. Manage it with',
  '# `npm run cli -- keys list|rotate|remove`.',
];

export interface OperatorKey {
  readonly id: string;
  readonly createdAt: Date;
  readonly key: Buffer;
}

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

export interface KeyFileContent {
  readonly keys: readonly OperatorKey[];
  /** Set when the file may be read by its group (a warning; world access is refused). */
  readonly groupReadable: boolean;
  readonly mtimeMs: number;
}

/** Reads and checks the key file. Refuses a file others than its owner and group may access (OWASP ASVS 6.4.1). */
export function readKeyFile(path: string): KeyFileContent {
  let stat;
  let text: Buffer;
  try {
    stat = statSync(path);
    if (!stat.isFile()) throw new KeyFileError(`operator key file ${path} is not a regular file`);
    if (stat.size > MAX_FILE_BYTES) throw new KeyFileError(`operator key file ${path} is larger than ${MAX_FILE_BYTES} bytes: not a key file`);
    text = readFileSync(path);
  } catch (error) {
    if (error instanceof KeyFileError) throw error;
    throw new KeyFileError(`cannot read operator key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  // POSIX permission bits: "other" may read, write or execute. Skipped where there are none (Windows).
  if (process.platform !== 'win32' && (stat.mode & 0o007) !== 0) {
    throw new KeyFileError(`operator key file ${path} is accessible to every user (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it`);
  }
  const keys = parseKeyFile(text.toString('utf8'), path);
  return { keys, groupReadable: process.platform !== 'win32' && (stat.mode & 0o070) !== 0, mtimeMs: stat.mtimeMs };
}

export function parseKeyFile(text: string, path: string): OperatorKey[] {
  const keys: OperatorKey[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `operator key file ${path}, line ${index + 1}`;
    const parts = line.split(/\s+/);
    if (parts.length !== 3) throw new KeyFileError(`${where}: expected "<id> <created> <base64 key>"`);
    const [id, created, encoded] = parts as [string, string, string];
    if (!ID.test(id)) throw new KeyFileError(`${where}: the key id must be 1 to 32 letters, digits, ".", "_" or "-"`);
    if (ids.has(id)) throw new KeyFileError(`${where}: key id ${id} appears twice`);
    const createdAt = new Date(created);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(created) || Number.isNaN(createdAt.getTime())) throw new KeyFileError(`${where}: the creation date must be ISO 8601, e.g. 2026-12-02T17:40:00Z`);
    const key = Buffer.from(encoded, 'base64');
    // Strict base64: a re-encoding must give back what was written (no stray characters dropped).
    if (key.length !== OPERATOR_KEY_BYTES || key.toString('base64') !== encoded) {
      throw new KeyFileError(`${where}: the key must be ${OPERATOR_KEY_BYTES} bytes in base64 (44 characters)`);
    }
    ids.add(id);
    keys.push({ id, createdAt, key });
  });
  if (keys.length === 0) throw new KeyFileError(`operator key file ${path} holds no key`);
  return keys;
}

export function formatKeyFile(keys: readonly OperatorKey[]): string {
  return [...HEADER, ...keys.map((k) => `${k.id} ${k.createdAt.toISOString()} ${k.key.toString('base64')}`), ''].join('\n');
}

/** A new key from the CSPRNG; its id says when it was made, plus 16 random bits against collisions. */
export function newOperatorKey(now: Date): OperatorKey {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return { id: `${stamp}-${randomBytes(2).toString('hex')}`, createdAt: now, key: randomBytes(OPERATOR_KEY_BYTES) };
}

/** Writes a temporary file of mode 0600 next to `path`, flushed to disk; answers its name. */
function writeTemporary(path: string, content: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temporary;
}

/** Replaces the key file atomically (rename over it): readers see the old file or the new one, never half of one. */
export function replaceKeyFile(path: string, keys: readonly OperatorKey[]): void {
  const temporary = writeTemporary(path, formatKeyFile(keys));
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
}

/**
 * Creates the key file with one new key unless it exists. link() fails when the name is taken,
 * so processes starting at once (cluster workers, two instances on one data directory) all end
 * up reading the one file that won. Answers whether this call created it.
 */
export function createKeyFileIfAbsent(path: string, now: Date): boolean {
  const temporary = writeTemporary(path, formatKeyFile([newOperatorKey(now)]));
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/**
 * Runs a read-modify-write of the key file under a lock file (O_EXCL), so that two rotations at
 * once cannot lose a key.
 */
export function withKeyFileLock<T>(path: string, work: () => T): T {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const lock = `${path}.lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyFileError(`another change of ${path} is under way (delete ${lock} if no other command is running)`);
    throw error;
  }
  try {
    return work();
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}
