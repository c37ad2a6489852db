import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

// The embedded database: PGlite (PostgreSQL compiled to WASM) in a data directory, reached through
// its own node-postgres adapter so that TypeORM runs the very same migrations as on PostgreSQL.
//
// Two PGlite instances writing one directory corrupt it beyond repair, so there is exactly one per
// process, and a lock file keeps a second process (the admin CLI while the server runs, a second
// `npm start`) away from a directory that is in use.

let instance: { dir: string; db: PGlite; lockFile: string | null } | undefined;

export class EmbeddedDatabaseInUse extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the embedded database in ${dir} is in use by process ${pid}; stop that process first, or set DATABASE_URL to share a PostgreSQL server`,
    );
    this.name = 'EmbeddedDatabaseInUse';
  }
}

function isInMemory(dir: string): boolean {
  return dir.startsWith('memory://');
}

export async function openEmbedded(dir: string): Promise<PGlite> {
  if (instance) {
    if (instance.dir !== dir) throw new Error(`an embedded database is already open in ${instance.dir}`);
    return instance.db;
  }
  let lockFile: string | null = null;
  if (!isInMemory(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    lockFile = acquireLock(dir);
  }
  try {
    const db = await PGlite.create({ dataDir: dir });
    instance = { dir, db, lockFile };
    return db;
  } catch (error) {
    if (lockFile) rmSync(lockFile, { force: true });
    throw error;
  }
}

export async function closeEmbedded(): Promise<void> {
  const current = instance;
  instance = undefined;
  if (!current) return;
  try {
    if (!current.db.closed) await current.db.close();
  } finally {
    if (current.lockFile) rmSync(current.lockFile, { force: true });
  }
}

function acquireLock(dir: string): string {
  const file = join(dir, 'openid-provider.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new EmbeddedDatabaseInUse(dir, pid);
      // Stale lock from a process that died: take it over.
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
