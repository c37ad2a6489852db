import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig, type PGlitePgConfig } from '@electric-sql/pglite/node-postgres';
import { arbitratedPglite, EmbeddedSocketServer, SessionArbiter } from './embedded-session.js';

// The embedded database: PGlite (PostgreSQL compiled to WASM) in a data directory, reached through
// its own node-postgres adapter so that TypeORM runs the very same migrations as on PostgreSQL.
//
// Two PGlite instances writing one directory corrupt it beyond repair, so there is exactly one per
// process, and a lock file keeps a second process away from a directory that is in use. The
// server shares its instance (shareEmbedded()): it serves it on a Unix socket inside the directory
// and writes the socket's path into the lock file, so that the admin CLI and the migration
// commands connect through it with plain `pg` instead of opening the directory themselves.

interface Instance {
  dir: string;
  db: PGlite;
  arbiter: SessionArbiter;
  lockFile: string | null;
  socket: EmbeddedSocketServer | null;
}

let instance: Instance | undefined;

const LOCK_FILE = 'openid-provider.lock';
/** libpq's and pg's name for a server socket: `host` is its directory, 5432 its "port". */
export const SOCKET_NAME = '.s.PGSQL.5432';
/** sun_path is 108 bytes on Linux, NUL included. */
const MAX_SOCKET_PATH = 107;

export class EmbeddedDatabaseInUse extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
    /** Where the process holding the directory serves it, if it does. */
    readonly socket: string | null = null,
  ) {
    super(
      socket
        ? `the embedded database in ${dir} is served by process ${pid} (the admin CLI and the migration commands go through it; a second server cannot): stop that process first, or set DATABASE_URL to share a PostgreSQL server`
        : `the embedded database in ${dir} is in use by process ${pid}, which does not share it (a server shares it once it has started); stop that process or try again, or set DATABASE_URL to share a PostgreSQL server`,
    );
    this.name = 'EmbeddedDatabaseInUse';
  }
}

function isInMemory(dir: string): boolean {
  return dir.startsWith('memory://');
}

export async function openEmbedded(dir: string): Promise<PGlite> {
  return (await open(dir)).db;
}

/** The node-postgres configuration TypeORM uses on the embedded database of this process. */
export async function embeddedPgConfig(dir: string): Promise<PGlitePgConfig> {
  const opened = await open(dir);
  return createPgConfig(arbitratedPglite(opened.db, opened.arbiter));
}

async function open(dir: string): Promise<Instance> {
  if (instance) {
    if (instance.dir !== dir) throw new Error(`an embedded database is already open in ${instance.dir}`);
    return instance;
  }
  let lockFile: string | null = null;
  if (!isInMemory(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    lockFile = acquireLock(dir);
  }
  try {
    const db = await PGlite.create({ dataDir: dir });
    instance = { dir, db, arbiter: new SessionArbiter(), lockFile, socket: null };
    return instance;
  } catch (error) {
    if (lockFile) rmSync(lockFile, { force: true });
    throw error;
  }
}

/**
 * Serves this process's embedded database in `dir` to other processes of the same user on a Unix
 * socket (mode 0600, inside the data directory; nothing listens on TCP), and records its path in
 * the lock file. Returns the path, or null when there is nothing to share (in memory) or the path
 * is too long for a socket. Throws EmbeddedDatabaseInUse when another process holds `dir` (this
 * one reached it through that process's socket): a server does not run on another's database.
 */
export async function shareEmbedded(dir: string, options: { ownerIdleTimeoutMs?: number } = {}): Promise<string | null> {
  if (isInMemory(dir)) return null;
  const current = instance;
  if (!current || current.dir !== dir || !current.lockFile) {
    const { pid, socket } = readLock(join(dir, LOCK_FILE));
    throw new EmbeddedDatabaseInUse(dir, pid, socket);
  }
  if (current.socket) return current.socket.path;
  const path = resolve(current.dir, SOCKET_NAME);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) return null;
  const server = new EmbeddedSocketServer(current.db, current.arbiter, path, options.ownerIdleTimeoutMs);
  await server.start();
  current.socket = server;
  writeLock(current.lockFile, path);
  return path;
}

export async function closeEmbedded(): Promise<void> {
  const current = instance;
  instance = undefined;
  if (!current) return;
  try {
    if (current.socket) {
      if (current.lockFile) writeLock(current.lockFile, null);
      await current.socket.stop();
    }
    if (!current.db.closed) await current.db.close();
  } finally {
    if (current.lockFile) rmSync(current.lockFile, { force: true });
  }
}

/** Lock file: the holder's pid on the first line, the socket it serves the database on on the second. */
function writeLock(file: string, socket: string | null): void {
  // Written aside and renamed over the lock, so that a reader never sees half a file.
  const next = `${file}.${process.pid}`;
  writeFileSync(next, `${process.pid}\n${socket ?? ''}\n`, { mode: 0o600 });
  renameSync(next, file);
}

function readLock(file: string): { pid: number; socket: string | null } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    // Removed in between by its holder: free now.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { pid: 0, socket: null };
    throw error;
  }
  const [pid = '', socket = ''] = text.split('\n');
  return { pid: Number(pid.trim()), socket: socket.trim() || null };
}

function acquireLock(dir: string): string {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const { pid, socket } = readLock(file);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new EmbeddedDatabaseInUse(dir, pid, socket);
      // Stale lock from a process that died (its socket, if any, died with it): take it over.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
