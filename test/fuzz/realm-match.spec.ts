import fc from 'fast-check';
import { OpenIdError } from '../../src/protocol/errors.js';
import { parseRealm, parseReturnTo, type Realm, type ReturnToUrl } from '../../src/protocol/realm.js';
import { returnToMatchesEndpoints, returnToMatchesRealm } from '../../src/protocol/realm-match.js';
import { runs } from './fuzz.js';

// Property-based tests of realm matching (OpenID 2.0 §9.2): no return_to that matches ever
// leaves the realm. The invariant is stated with the WHATWG URL parser, i.e. with the URL the
// browser will really be sent to, not with src/protocol/realm.ts's own normalised parts.
// Short mode by default (a few hundred runs per property); long mode: FUZZ_RUNS=20000
// (see test/fuzz/fuzz.ts; FUZZ_SEED replays a failure).

/** Mostly one of the usual values, often enough a hostile one. */
const usualOr = (usual: readonly string[], hostile: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 15, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...hostile) });

const SCHEME = usualOr(['https', 'http'], ['HTTPS', 'hTtP', 'ftp', 'javascript', 'wss']);
// ":///": WHATWG skips the extra slash of a special scheme, a regex on "://authority" does not.
const SEPARATOR = usualOr(['://', '://', '://', ':///'], [':/', ':', ':\\', '://\\', ':////']);
const USERINFO = usualOr(['', '', '', '', '', 'user@'], ['user@', 'rp.example@', 'a:b@', '@', 'rp.example%40', 'rp.example\\@']);
const LABEL = usualOr(['example', 'com', 'rp', 'www', 'a', 'xn--bcher-kva', 'bücher'], ['BÜCHER', 'EXAMPLE', 'ex%61mple', 'evil', 'ﬀ', 'Ω', '127', '0x7f', '1', 'exa mple', 'a\tb', '', '*']);
const IP_HOSTS = ['127.0.0.1', '[::1]', '2130706433', '0x7f.0.0.1', '[::ffff:127.0.0.1]', '1.2.3.4.', '[::1', '256.1.1.1'];
const PORT = usualOr(['', ':8080'], [':80', ':443', ':', ':0', ':65535', ':65536', ':080', ':+1', ':8o']);
const PATH_PIECE = usualOr(['/', 'app', '/app/', 'x'], ['%2F', '%2f', '%2e%2e', '..', '.', '%7E', '~', '%7e', 'é', '%C3%A9', '\\', '//', ';x', '?a=b', '?', '&c', '#frag', '#', '%00', '%', '%E0%A4%A', '@evil.example', '/../']);
// "*" alone is the bare wildcard realm (its host is left out).
const WILDCARD = usualOr(['', '*.', '*'], ['**.', 'a.*.']);
const WILDCARD_STANDIN = usualOr(['', 'a.', 'www.', 'x.y.', 'evil'], ['évil.', '%61.', 'evil.com/', 'evil.com\\', 'evil.com?', 'evil.com#', 'x@', '.', '..']);
const TAIL = usualOr([''], ['.', ':443', '@evil.example', '%2F', '\\', '#', '?']);

const host = fc.oneof(
  { weight: 6, arbitrary: fc.array(LABEL, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')) },
  { weight: 1, arbitrary: fc.constantFrom(...IP_HOSTS) },
);
const trailingDot = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('.', '..') });
const pathPieces = fc.array(PATH_PIECE, { maxLength: 5 }).map((pieces) => pieces.join(''));
const path = fc.tuple(usualOr(['/'], ['', '?', '#', '\\', '//']), fc.array(PATH_PIECE, { maxLength: 5 })).map(([first, pieces]) => first + pieces.join(''));

const urlParts = fc.record({ scheme: SCHEME, sep: SEPARATOR, userinfo: USERINFO, wildcard: WILDCARD, host, dot: trailingDot, port: PORT, path });
type UrlParts = typeof urlParts extends fc.Arbitrary<infer T> ? T : never;
const urlText = (u: UrlParts): string => {
  const authority = u.wildcard === '*' ? '*' : `${u.wildcard}${u.host}`;
  return `${u.scheme}${u.sep}${u.userinfo}${authority}${u.dot}${u.port}${u.path}`;
};

/**
 * A realm and a return_to: two unrelated URLs, or the realm's own parts with the wildcard filled
 * in (or not), each of scheme, userinfo, host, port kept or swapped, and more path appended,
 * sometimes with something slipped in right after the authority.
 */
const sometimes = fc.integer({ min: 0, max: 7 }).map((n) => n === 0);
const realmAndReturnTo: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 1, arbitrary: fc.tuple(urlParts.map(urlText), urlParts.map(urlText)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(urlParts, urlParts, fc.oneof(host, fc.constantFrom(...IP_HOSTS)), fc.record({ scheme: sometimes, userinfo: sometimes, host: sometimes, dot: sometimes, port: sometimes }), WILDCARD_STANDIN, pathPieces, TAIL)
      .map(([realm, other, otherHost, swap, fill, more, tail]): [string, string] => {
        const returnTo = {
          ...realm,
          wildcard: fill,
          scheme: swap.scheme ? other.scheme : realm.scheme,
          userinfo: swap.userinfo ? other.userinfo : realm.userinfo,
          host: swap.host ? otherHost : realm.host,
          // The trailing dot toggled: "rp.example." is another origin than "rp.example".
          dot: swap.dot ? (realm.dot === '' ? '.' : '') : realm.dot,
          port: (swap.port ? other.port : realm.port) + tail,
          path: realm.path + more,
        };
        return [urlText(realm), urlText(returnTo)];
      }),
  },
);

function tryParse<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    // Refusals are typed (InvalidRealm, InvalidReturnTo): anything else is a crash.
    if (!(error instanceof OpenIdError)) throw error;
    return undefined;
  }
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };
const effectivePort = (url: URL): string => url.port || DEFAULT_PORTS[url.protocol] || '';
const isIpLiteral = (hostname: string): boolean => hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname);

/** A path segment as bytes, every valid %XX decoded (RFC 3986 §2.1: a coarser equivalence than ours). */
function segmentBytes(segment: string): string {
  return Buffer.from(segment.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1').toString('hex');
}
function segments(pathname: string): string[] {
  const parts = pathname.split('/').map(segmentBytes);
  // "/app/" covers what "/app" covers and no more: a trailing empty segment adds nothing.
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The invariant, from the URLs as a browser parses them (WHATWG): OpenID 2.0 §9.2 "The URL scheme
 * and port of the return_to URL MUST be the same as those of the realm", the host is the realm's
 * (or, under "*.", that name or a subdomain of it, never an IP address), the path is equal to or
 * below the realm's path, and no userinfo lets the address read as another host.
 */
function expectInsideRealm(realmValue: string, returnToValue: string, wildcardAllowed = true): void {
  const realm = new URL(realmValue);
  const returnTo = new URL(returnToValue);
  const context = `realm ${JSON.stringify(realmValue)} matched return_to ${JSON.stringify(returnToValue)}`;
  expect(returnTo.protocol, context).toBe(realm.protocol);
  expect(['http:', 'https:'], context).toContain(returnTo.protocol);
  expect(effectivePort(returnTo), context).toBe(effectivePort(realm));
  expect(returnTo.username + returnTo.password, context).toBe('');
  const realmHost = realm.hostname;
  const wildcard = realmHost === '*' || realmHost.startsWith('*.');
  if (wildcard) {
    expect(wildcardAllowed, context).toBe(true);
    expect(isIpLiteral(returnTo.hostname), context).toBe(false);
    const base = realmHost.slice(2);
    if (realmHost !== '*') expect(returnTo.hostname === base || returnTo.hostname.endsWith(`.${base}`), context).toBe(true);
  } else {
    expect(returnTo.hostname, context).toBe(realmHost);
  }
  const realmSegments = segments(realm.pathname);
  expect(segments(returnTo.pathname).slice(0, realmSegments.length), context).toEqual(realmSegments);
}

describe('realm matching, fuzzed (OpenID 2.0 §9.2)', () => {
  it('never matches a return_to outside the realm: host, subdomain under "*.", scheme, port, path', () => {
    let matched = 0;
    fc.assert(
      fc.property(realmAndReturnTo, ([realmValue, returnToValue]) => {
        const realm = tryParse<Realm>(() => parseRealm(realmValue));
        const returnTo = tryParse<ReturnToUrl>(() => parseReturnTo(returnToValue));
        if (!realm || !returnTo) return;
        if (returnToMatchesRealm(realm, returnTo)) {
          matched += 1;
          expectInsideRealm(realmValue, returnToValue);
        }
        // §9.2.1: a discovered RP endpoint is used as a realm, but never as a wildcard one.
        if (returnToMatchesEndpoints([realmValue], returnTo)) expectInsideRealm(realmValue, returnToValue, false);
      }),
      runs(2000),
    );
    // The property is not vacuous: a fair share of the generated pairs do match.
    expect(matched).toBeGreaterThan(runs(2000).numRuns! / 20);
  });

  it('matches the equivalent spellings of the realm itself (§9.2, RFC 3986 §6.2): case, IDN, default port, subpaths', () => {
    const clean = fc.record({
      https: fc.boolean(),
      labels: fc.array(fc.constantFrom('rp', 'example', 'bücher', 'app', 'a-b', 'xn--bcher-kva'), { minLength: 1, maxLength: 3 }),
      wildcard: fc.boolean(),
      sub: fc.constantFrom('', 'www.', 'a.b.'),
      explicitPort: fc.boolean(),
      path: fc.constantFrom('/', '/app', '/app/', '/a/b/'),
      more: fc.constantFrom('', '/x', '?q=1', '/x?y#z', '#frag'),
      upper: fc.boolean(),
    });
    fc.assert(
      fc.property(clean, (c) => {
        const scheme = c.https ? 'https' : 'http';
        const host = [...c.labels, 'org'].join('.');
        const realmValue = `${scheme}://${c.wildcard ? '*.' : ''}${host}${c.path}`;
        const writtenHost = c.upper ? host.toUpperCase() : host;
        const port = c.explicitPort ? (c.https ? ':443' : ':80') : '';
        const more = c.path.endsWith('/') ? c.more.replace(/^\//, '') : c.more;
        const returnToValue = `${c.upper ? scheme.toUpperCase() : scheme}://${c.wildcard ? c.sub : ''}${writtenHost}${port}${c.path}${more}`;
        expect(returnToMatchesRealm(parseRealm(realmValue), parseReturnTo(returnToValue)), `${realmValue} ~ ${returnToValue}`).toBe(true);
      }),
      runs(200),
    );
  });
});
