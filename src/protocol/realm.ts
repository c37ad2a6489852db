// Realms (OpenID 2.0 §9.2; `openid.trust_root` in OpenID 1.1, "syntax and meaning identical",
// §14.2.1) and return_to URLs: parsing into a normalised form that realm-match.ts compares.
//
// Parsing rules (ours where the spec is silent; python-openid's TrustRoot is the reference for
// deployed behaviour, openid/server/trustroot.py and openid/test/data/trustroot.txt):
//   - absolute http or https URL written as "scheme://authority..." (§9.2 "a realm pattern is a
//     URL"; other schemes cannot be OpenID endpoints). Scheme matching is case-insensitive
//     (RFC 3986 §3.1).
//   - refused outright: ASCII control characters, spaces and backslashes anywhere. WHATWG URL
//     parsing would silently drop tabs and newlines and turn "\" into "/", so the URL we compare
//     would not be the string the user is shown or the browser is sent to.
//   - no userinfo ("http://paypal.com@evil.example/"): it only serves to mislead the person
//     reading the consent page.
//   - realms: no fragment, not even an empty one (§9.2 "MUST NOT contain a URI fragment"); the
//     wildcard is "*." as the leftmost host label only (§9.2 "at the beginning of the URL
//     authority section"), or a bare "*" (python-openid accepts it; isOverBroad flags it). A
//     wildcard never applies to an IP address (WHATWG parsing already refuses "*.1.2.3.4").
//   - return_to: a fragment is allowed and ignored for matching (it never reaches the server).
//   - hosts are compared in their WHATWG-normalised ASCII form: lowercase, IDNs in punycode
//     ("bücher" and "xn--bcher-kva" are the same host), IPv4 in dotted decimal, IPv6 compressed;
//     empty labels ("a..b", ".a") are refused. A trailing dot (the DNS root) is kept: browsers
//     treat "https://rp.example.org." as another origin than "https://rp.example.org" (WHATWG URL
//     keeps the dot, the HTML origin comparison is by string), so it is another relying party
//     and one must never match the other, in either direction.
//   - ports: the scheme's default when absent, so ":80" on http equals no port (RFC 3986 §6.2.3).
//   - path and query: WHATWG-normalised (dot segments resolved, non-ASCII percent-encoded), then
//     percent-encodings of unreserved characters decoded and the others upper-cased (RFC 3986
//     §6.2.2.1, §6.2.2.2), so "/%7Euser" and "/~user" compare equal.

import { Field, type OpenIdVersion } from './consts.js';
import { InvalidRealm, InvalidRequest, InvalidReturnTo } from './errors.js';
import type { OpenIdMessage } from './message.js';

export type UrlScheme = 'http' | 'https';
export type HostKind = 'domain' | 'ipv4' | 'ipv6';

export interface HttpUrlParts {
  readonly scheme: UrlScheme;
  /** Normalised ASCII host, trailing dot kept (another origin); IPv6 keeps its brackets. */
  readonly host: string;
  readonly hostKind: HostKind;
  /** Effective port: the explicit one or the scheme's default. */
  readonly port: number;
  /** Normalised path plus "?query" when the query is non-empty; never the fragment. */
  readonly pathAndQuery: string;
}

export interface Realm extends HttpUrlParts {
  /** The realm as received. */
  readonly value: string;
  /** True for "*.host" (host then holds the part after "*.") and for a bare "*" (host ""). */
  readonly wildcard: boolean;
  /** Canonical text form, e.g. "https://*.example.com/app". */
  readonly normalized: string;
}

export interface ReturnToUrl extends HttpUrlParts {
  /** The return_to as received: responses go back to this exact string (§10.1). */
  readonly value: string;
}

const DEFAULT_PORT: Readonly<Record<UrlScheme, number>> = { http: 80, https: 443 };
const LONE_SURROGATE = /\p{Cs}/u;

/** ASCII controls (0-31, 127), space and backslash; lone surrogates (not Unicode text). */
function hasForbiddenCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return LONE_SURROGATE.test(value);
}
const SCHEME_AND_AUTHORITY = /^(https?):\/\/([^/?#]*)/i;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function normalizePercentEncoding(text: string): string {
  // RFC 3986 §6.2.2.1: hex digits of percent-encodings are case-insensitive (normalise to upper);
  // §6.2.2.2: percent-encoded unreserved characters are equivalent to the characters themselves.
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

interface ParsedUrl extends HttpUrlParts {
  readonly wildcard: boolean;
  readonly hasFragment: boolean;
}

function parseHttpUrl(value: string, allowWildcard: boolean, fail: (reason: string) => never): ParsedUrl {
  if (value.length === 0) fail('empty');
  if (hasForbiddenCharacter(value)) fail('contains whitespace, control characters or a backslash');
  const head = SCHEME_AND_AUTHORITY.exec(value);
  if (!head) fail('not an absolute http or https URL');
  const scheme = head[1].toLowerCase() as UrlScheme;
  const authority = head[2];
  if (authority.includes('@')) fail('contains userinfo');
  const rawHost = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.split(':')[0];
  const wildcard = allowWildcard && (rawHost === '*' || rawHost.startsWith('*.'));

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('not a valid URL');
  }
  // The same rule on what WHATWG parsing read: in "https:///user@host" the pattern above sees an
  // empty authority, but browsers skip the extra slash and take "user" as userinfo.
  if (url.username !== '' || url.password !== '') fail('contains userinfo');
  let host = url.hostname;
  const bareWildcard = wildcard && host === '*';
  if (wildcard) {
    // The leftmost label is the wildcard; WHATWG URL keeps "*" as an ordinary label.
    host = bareWildcard ? '' : host.startsWith('*.') ? host.slice(2) : fail('wildcard is not a leading "*."');
  }
  if (host.includes('*')) fail('"*" is only allowed as the leftmost host label of a realm');

  let hostKind: HostKind;
  if (host.startsWith('[')) hostKind = 'ipv6';
  else if (IPV4.test(host)) hostKind = 'ipv4';
  else hostKind = 'domain';
  if (wildcard && hostKind !== 'domain') fail('wildcard on an IP address');

  if (hostKind === 'domain') {
    // One trailing dot is the root label, not an empty one (and it stays part of the host).
    const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
    if ((host.length === 0 || host === '.') && !bareWildcard) fail('empty host');
    if (labels.some((label) => label.length === 0) && !bareWildcard) fail('empty host label');
  }

  const port = url.port === '' ? DEFAULT_PORT[scheme] : Number(url.port);
  const pathAndQuery = normalizePercentEncoding(url.pathname) + normalizePercentEncoding(url.search);
  return { scheme, host, hostKind, port, pathAndQuery, wildcard, hasFragment: value.includes('#') };
}

/**
 * Realms parsed before (a relying party sends the same one with every request), at most
 * REALMS_KEPT of them, all dropped when full. A Realm is immutable; only valid realms are kept.
 */
const parsedRealms = new Map<string, Realm>();
const REALMS_KEPT = 1000;

/**
 * Parses a realm / trust_root (OpenID 2.0 §9.2, §14.2.1) per the rules at the top of this file.
 * Throws InvalidRealm.
 */
export function parseRealm(value: string): Realm {
  let realm = parsedRealms.get(value);
  if (realm) return realm;
  realm = Object.freeze(parseRealmAfresh(value));
  if (parsedRealms.size >= REALMS_KEPT) parsedRealms.clear();
  parsedRealms.set(value, realm);
  return realm;
}

function parseRealmAfresh(value: string): Realm {
  const fail = (reason: string): never => {
    throw new InvalidRealm('The realm is not a valid URL pattern', { detail: `realm ${JSON.stringify(value)}: ${reason}` });
  };
  const parsed = parseHttpUrl(value, true, fail);
  // OpenID 2.0 §9.2: a realm MUST NOT contain a URI fragment.
  if (parsed.hasFragment) fail('contains a fragment');
  const { scheme, host, hostKind, port, pathAndQuery, wildcard } = parsed;
  const hostText = wildcard ? (host === '' ? '*' : `*.${host}`) : host;
  const portText = port === DEFAULT_PORT[scheme] ? '' : `:${port}`;
  return {
    value,
    scheme,
    host,
    hostKind,
    port,
    pathAndQuery,
    wildcard,
    normalized: `${scheme}://${hostText}${portText}${pathAndQuery}`,
  };
}

/** Parses a return_to URL (OpenID 2.0 §9.1) per the rules above. Throws InvalidReturnTo. */
export function parseReturnTo(value: string): ReturnToUrl {
  const fail = (reason: string): never => {
    throw new InvalidReturnTo('The return_to URL is not valid', { detail: `return_to ${JSON.stringify(value)}: ${reason}` });
  };
  const { scheme, host, hostKind, port, pathAndQuery } = parseHttpUrl(value, false, fail);
  return { value, scheme, host, hostKind, port, pathAndQuery };
}

/**
 * The realm string a checkid request asks the user to trust: `openid.realm` (2.0) or
 * `openid.trust_root` (1.x, §14.2.1), defaulting to return_to (§9.1 "Default: return_to URL";
 * OpenID 1.1 likewise), minus any fragment, which a realm cannot carry. Undefined when neither is
 * present; in 2.0, §9.1 says realm MUST be sent when return_to is omitted, so that is an
 * InvalidRequest.
 */
export function requestedRealm(message: OpenIdMessage): string | undefined {
  const version: OpenIdVersion = message.version;
  const realm = message.getArg(version === '2.0' ? Field.realm : Field.trustRoot);
  if (realm !== undefined) return realm;
  const returnTo = message.getArg(Field.returnTo);
  if (returnTo === undefined) {
    if (version === '2.0') throw new InvalidRequest('openid.realm is required when openid.return_to is omitted');
    return undefined;
  }
  const hash = returnTo.indexOf('#');
  return hash < 0 ? returnTo : returnTo.slice(0, hash);
}
