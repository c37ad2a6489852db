import { resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH, type LoadedConfig } from '../config/config.loader.js';

/** A passphrase placeholder the operator replaces; quoted so that the line pastes as is. */
const EXAMPLE = `echo 'a long passphrase'`;

function shellWord(word: string): string {
  return /^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replaceAll(`'`, `'\\''`)}'`;
}

/**
 * The admin-CLI commands that create a first account, one per configured domain, exactly as the
 * operator types them where the server was started: with OPENID_PROVIDER_CONFIG when the server
 * read another file than the default one, so that the CLI opens the same database. Not for
 * `accounts: xmpp` domains: their accounts are the XMPP server's, `user add` refuses them.
 */
export function firstAccountCommands(loaded: LoadedConfig, cwd = process.cwd()): string[] {
  const file = loaded.file;
  const env = file !== null && file !== resolve(cwd, DEFAULT_CONFIG_PATH) ? `OPENID_PROVIDER_CONFIG=${shellWord(file)} ` : '';
  return loaded.config.domains.filter((d) => d.accounts !== 'xmpp').map((d) => `${EXAMPLE} | ${env}npm run cli -- user add romeo --domain ${shellWord(d.name)} --password-stdin`);
}
