import { resolve } from 'node:path';
import type { Config } from '../config/config.schema.js';
import { createKeyFileIfAbsent, readKeyFile } from './key-file.js';
import { KeyRing } from './key-ring.js';

/** What opening the key ring reports (the provider's logger in the server, stderr in the CLI). */
export interface KeyRingLog {
  info(message: string): void;
  warn(message: string): void;
}

/** secrets.key_file, or the development key file next to the development certificate, {data_dir}/secrets/operator.keys. */
export function keyFilePath(config: Pick<Config, 'secrets' | 'data_dir'>): { path: string; configured: boolean } {
  const configured = config.secrets.key_file;
  return configured === undefined ? { path: resolve(config.data_dir, 'secrets', 'operator.keys'), configured: false } : { path: resolve(configured), configured: true };
}

/**
 * The operator key ring of this configuration. A configured secrets.key_file must exist (create
 * it with `npm run cli -- keys rotate`); without one, a key file is generated under data_dir on
 * the first start, like the development certificate, and the log says so.
 */
export function openKeyRing(config: Pick<Config, 'secrets' | 'data_dir' | 'database'>, log: KeyRingLog, now = new Date()): KeyRing {
  const { path, configured } = keyFilePath(config);
  if (!configured && createKeyFileIfAbsent(path, now)) {
    log.warn(
      `generated an operator key file at ${path} (it encrypts the association keys stored in the database): back it up with the database` +
        (config.database.url ? '; every instance on this database needs the same file: set secrets.key_file to a copy of it on each' : '; in production set secrets.key_file'),
    );
  }
  const content = readKeyFile(path);
  if (content.groupReadable) log.warn(`operator key file ${path} is readable by its group: chmod 600 it`);
  return new KeyRing(
    path,
    content,
    {
      reloaded: (ids, active) => log.info(`operator key file ${path} changed: ${ids.length} keys, active ${active}`),
      reloadFailed: (error) => log.warn(`operator key file ${path} changed but was not used (the loaded keys stay): ${error.message}`),
    },
    config.secrets.reload_interval * 1000,
  );
}
