import { readFileSync } from 'node:fs';
import { maxHeaderSize } from 'node:http';
import { join } from 'node:path';
import { BODY_LIMIT, MAX_PARAM_LENGTH } from '../../src/app.factory.js';
import { PENDING_LIFETIME_MS } from '../../src/auth/checkid/pending-request.service.js';
import { OPENID_INPUT_LIMITS } from '../../src/auth/endpoint.service.js';
import { CHALLENGE_LIFETIME_MS, MAX_SIGN_IN_CHALLENGES_PER_ADDRESS } from '../../src/auth/factors/passkey.service.js';
import { parseConfig } from '../../src/config/config.loader.js';
import { DEFAULT_MESSAGE_LIMITS } from '../../src/protocol/input-limits.js';
import { DNS_QUERY } from '../../src/realm/host-resolver.js';
import { MAX_USERNAME_LENGTH } from '../../src/users/username.js';
import { MAX_PASSWORD } from '../../src/users/users.service.js';
import { CONNECT_TIMEOUT_MS, VCARD_TIMEOUT_MS } from '../../src/xmpp/bot/openid-bot.service.js';

// Issue 11 point 4: the README's "Limits" section lists every cap, timeout and rate limit with its
// number. This keeps the numbers from drifting: each row's default must be the schema's default
// (or the code's constant, for the fixed ones), and every limit-like option of the schema must
// have a row.

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

interface Row {
  what: string;
  key: string;
  fixed: boolean;
  value: string;
}

function limitRows(): Row[] {
  const start = README.indexOf('\n## Limits\n');
  expect(start).toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 5);
  const rows: Row[] = [];
  for (const line of README.slice(start, end).split('\n')) {
    const m = /^\| (.+?) \| (fixed \(`([^`]+)`[^)]*\)|`([^`]+)`) \| `([^`]+)`/.exec(line);
    if (m) rows.push({ what: m[1]!, key: m[3] ?? m[4]!, fixed: m[3] !== undefined, value: m[5]! });
  }
  return rows;
}

/** The value as the schema stores it: durations in seconds, everything else a number. */
function readmeValue(value: string): number {
  const d = /^(\d+)([smhd])$/.exec(value);
  if (d) return Number(d[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[d[2] as 's' | 'm' | 'h' | 'd'];
  expect(value).toMatch(/^\d+$/);
  return Number(value);
}

// Defaults of a configuration that names only what is required, with an XMPP block (its
// approval and chat settings exist only there).
const defaults = parseConfig({ domains: [{ name: 'example.org', base_url: 'https://example.org', xmpp: { server: 'xmpp://xmpp.example.org:5222' } }] }, null);

function schemaDefault(key: string): unknown {
  let node: unknown = defaults;
  for (const part of key.split('.')) {
    const [name, index] = part.endsWith('[]') ? [part.slice(0, -2), 0] : [part, undefined];
    node = (node as Record<string, unknown> | undefined)?.[name];
    if (index !== undefined) node = (node as unknown[] | undefined)?.[index];
  }
  return node;
}

/** The code's fixed limits, in the unit the README writes them in (seconds for durations). */
const FIXED: Readonly<Record<string, number>> = {
  BODY_LIMIT,
  'http.maxHeaderSize': maxHeaderSize,
  MAX_PARAM_LENGTH,
  maxTotalBytes: DEFAULT_MESSAGE_LIMITS.maxTotalBytes,
  maxFields: DEFAULT_MESSAGE_LIMITS.maxFields,
  maxKeyBytes: DEFAULT_MESSAGE_LIMITS.maxKeyBytes,
  maxValueBytes: DEFAULT_MESSAGE_LIMITS.maxValueBytes,
  OPENID_INPUT_LIMITS: OPENID_INPUT_LIMITS.maxValueBytesByKey!['openid.realm']!,
  MAX_PASSWORD,
  MAX_USERNAME_LENGTH,
  PENDING_LIFETIME_MS: PENDING_LIFETIME_MS / 1000,
  'DNS_QUERY.timeoutMs': DNS_QUERY.timeoutMs / 1000,
  'DNS_QUERY.tries': DNS_QUERY.tries,
  CONNECT_TIMEOUT_MS: CONNECT_TIMEOUT_MS / 1000,
  VCARD_TIMEOUT_MS: VCARD_TIMEOUT_MS / 1000,
  CHALLENGE_LIFETIME_MS: CHALLENGE_LIFETIME_MS / 1000,
  MAX_SIGN_IN_CHALLENGES_PER_ADDRESS,
};

/** Every leaf key of the parsed defaults, `domains[]` for the list. */
function leafKeys(node: unknown, prefix = ''): string[] {
  if (Array.isArray(node)) return node.length > 0 ? leafKeys(node[0], `${prefix}[]`) : [];
  if (node === null || typeof node !== 'object') return [prefix];
  return Object.entries(node).flatMap(([k, v]) => leafKeys(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('README "Limits"', () => {
  const rows = limitRows();

  it('has the tables', () => {
    expect(rows.length).toBeGreaterThan(50);
  });

  it.each(limitRows().filter((r) => !r.fixed))('$key: the README says $value, as the schema\'s default', ({ key, value }) => {
    expect(schemaDefault(key)).toBe(readmeValue(value));
  });

  it.each(limitRows().filter((r) => r.fixed))('fixed $key: the README says $value, as the code', ({ key, value }) => {
    expect(FIXED[key]).toBeDefined();
    expect(readmeValue(value)).toBe(FIXED[key]);
  });

  it('lists every timeout, rate limit, cap and lifetime of the schema', () => {
    const listed = new Set(rows.map((r) => r.key));
    // hsts_max_age is what browsers remember, not a limit of ours.
    const limitLike = leafKeys(defaults).filter((k) => k !== 'security.hsts_max_age').filter((k) => /timeout|rate_limit|burst|per_second|per_minute|every|max_|_max|window|backoff|lifetime|retention|prune_interval|shutdown_grace|keep_alive|headers$|request$|pool_size|_bits/.test(k));
    expect(limitLike.length).toBeGreaterThan(30);
    expect(limitLike.filter((k) => !listed.has(k))).toEqual([]);
  });
});
