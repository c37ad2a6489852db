import { domainToASCII } from 'node:url';
import { normalizeUsername } from '../users/username.js';

// JIDs (RFC 7622 §3: [ localpart "@" ] domainpart [ "/" resourcepart ]). Localparts are
// normalised with the same rules as our usernames (src/users/username.ts: the nodeprep-style
// approximation of RFC 6122 §A / RFC 7622 §3.3 UsernameCaseMapped), so a sender's bare JID
// compares equal to the account it names. Domainparts are lowercased IDNA A-labels without a
// trailing dot (RFC 7622 §3.2.1-3.2.2); resourceparts are kept as sent (RFC 7622 §3.4: opaque,
// case-sensitive), only checked for length and control characters.

const MAX_PART_BYTES = 1023; // RFC 7622 §3.2, §3.3, §3.4: each part at most 1023 octets.

export class InvalidJid extends Error {
  constructor(readonly reason: string) {
    super(`invalid JID: ${reason}`);
    this.name = 'InvalidJid';
  }
}

export interface Jid {
  readonly local?: string;
  readonly domain: string;
  readonly resource?: string;
}

// RFC 1035 §2.3.4 / RFC 5890 A-labels: 63 octets per label, letters, digits, hyphens.
const LABEL = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)$/;

/** A domainpart in canonical form: IDNA A-labels, lower case, no trailing dot; or an IP literal. */
export function normalizeDomain(input: string): string {
  // RFC 7622 §3.2: "If the domainpart includes a final character considered to be a label
  // separator (dot) by [RFC1034], this character MUST be stripped".
  const stripped = input.endsWith('.') ? input.slice(0, -1) : input;
  if (stripped.length === 0) throw new InvalidJid('the domainpart is empty');
  if (Buffer.byteLength(stripped, 'utf8') > MAX_PART_BYTES) throw new InvalidJid('the domainpart is too long');
  // RFC 7622 §3.2: an IPv6 literal in square brackets, or an IPv4 address, is a valid domainpart.
  if (/^\[[0-9a-f:.]+\]$/i.test(stripped)) return stripped.toLowerCase();
  const ascii = domainToASCII(stripped.normalize('NFC'));
  if (ascii === '' || ascii.length > 253) throw new InvalidJid('the domainpart is not a valid domain name');
  if (!ascii.split('.').every((label) => LABEL.test(label))) throw new InvalidJid('the domainpart is not a valid domain name');
  return ascii;
}

/**
 * Parses and normalises a JID. RFC 7622 §3.1: the resourcepart starts at the first "/", the
 * localpart ends at the first "@" before it; a resourcepart may itself contain "@" and "/".
 */
export function parseJid(input: string): Jid {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidJid('it is empty');
  if (input.length > 3 * (MAX_PART_BYTES + 1)) throw new InvalidJid('it is too long');
  const slash = input.indexOf('/');
  const bare = slash === -1 ? input : input.slice(0, slash);
  const resource = slash === -1 ? undefined : input.slice(slash + 1);
  const at = bare.indexOf('@');
  const localInput = at === -1 ? undefined : bare.slice(0, at);
  const domain = normalizeDomain(at === -1 ? bare : bare.slice(at + 1));
  let local: string | undefined;
  if (localInput !== undefined) {
    if (localInput.length === 0) throw new InvalidJid('the localpart is empty');
    try {
      local = normalizeUsername(localInput);
    } catch (error) {
      throw new InvalidJid(`the localpart is not valid (${(error as Error).message})`);
    }
  }
  if (resource !== undefined) {
    if (resource.length === 0) throw new InvalidJid('the resourcepart is empty');
    if (Buffer.byteLength(resource, 'utf8') > MAX_PART_BYTES) throw new InvalidJid('the resourcepart is too long');
    if (/\p{Cc}/u.test(resource)) throw new InvalidJid('the resourcepart contains control characters');
  }
  return { local, domain, resource };
}

export function tryParseJid(input: string | undefined): Jid | undefined {
  if (input === undefined) return undefined;
  try {
    return parseJid(input);
  } catch {
    return undefined;
  }
}

export function formatJid(jid: Jid): string {
  return `${jid.local === undefined ? '' : `${jid.local}@`}${jid.domain}${jid.resource === undefined ? '' : `/${jid.resource}`}`;
}

/** The bare JID (RFC 6120 §1.4: localpart@domainpart), normalised, of a JID string. */
export function bareJid(input: string | Jid): string {
  const jid = typeof input === 'string' ? parseJid(input) : input;
  return formatJid({ local: jid.local, domain: jid.domain });
}

/** Whether two JIDs name the same account (bare JIDs equal after normalisation). */
export function sameBareJid(a: string | undefined, b: string | undefined): boolean {
  const x = tryParseJid(a);
  const y = tryParseJid(b);
  return x !== undefined && y !== undefined && x.local !== undefined && x.local === y.local && x.domain === y.domain;
}

/** A bare JID `local@domain` (no resource): the bot account's address in the configuration. */
export function parseBareJid(input: string): Jid & { local: string } {
  const jid = parseJid(input);
  if (jid.local === undefined) throw new InvalidJid('it has no localpart (expected user@domain)');
  if (jid.resource !== undefined) throw new InvalidJid('it has a resourcepart (expected a bare JID user@domain)');
  return { local: jid.local, domain: jid.domain };
}
