// Outgoing messages: assembling response fields with extension namespaces (OpenID 2.0 §12) and
// encoding them for a direct response (§5.1.2, Key-Value Form), an HTTP redirect (§5.2.1) or an
// HTML form POST (§5.2.2).
//
// Fields are ordered lists of `[unprefixed key, value]`; the `openid.` prefix is added only by
// the indirect encoders (§4.1.2), never by the Key-Value encoder (§5.1.2 bodies carry bare keys).

import { Field, MAX_INDIRECT_URL_BYTES, NS_ALIAS_PREFIX, NS_OPENID_2_0, OPENID1_IMPLICIT_ALIASES, OPENID_PREFIX, type OpenIdVersion } from './consts.js';
import { InvalidRequest } from './errors.js';
import { encodeKeyValueForm, type KeyValuePairs } from './kv-form.js';
import { checkAlias, type OpenIdMessage } from './message.js';

export interface ExtensionFields {
  /** The extension's namespace / Type URI (§12). */
  readonly uri: string;
  /** Fields relative to the alias: `key` becomes `<alias>.key`, the empty key `<alias>`. */
  readonly fields: KeyValuePairs;
  /** Alias to use when the request did not already name one for this URI. */
  readonly preferredAlias?: string;
}

export interface BuildMessageInput {
  readonly version: OpenIdVersion;
  /** Core fields (without `ns`), in order. */
  readonly core: KeyValuePairs;
  readonly extensions?: readonly ExtensionFields[];
  /** The request being answered: its aliases are reused for the same URIs. */
  readonly request?: OpenIdMessage;
  /** OpenID 1.x aliases that go undeclared (default OPENID1_IMPLICIT_ALIASES). */
  readonly openId1ImplicitAliases?: Readonly<Record<string, string>>;
}

/**
 * Assembles a response's fields: `ns` first for 2.0 (§4.1.2, §5.1.2; §14.2 says 1.1 messages
 * omit it), then the core fields, then for each extension its `ns.<alias>` declaration and
 * fields.
 *
 * Alias choice per URI (§12 allows a response to use a different alias than its request; we
 * reuse the request's, which is what relying parties look for first):
 *   1. the alias the request used for the URI (undeclared again if the request implied it, the
 *      OpenID 1.x SReg case);
 *   2. in 1.x, the implicit alias for the URI (e.g. bare `sreg`), undeclared;
 *   3. `preferredAlias` when valid and free;
 *   4. `ext0`, `ext1`, ... .
 */
export function buildMessageFields(input: BuildMessageInput): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (input.version === '2.0') out.push([Field.ns, NS_OPENID_2_0]);
  for (const [key, value] of input.core) {
    if (key === Field.ns || key.startsWith(NS_ALIAS_PREFIX)) {
      throw new RangeError(`buildMessageFields: core field "${key}" is reserved for namespaces`);
    }
    out.push([key, value]);
  }
  const coreHeads = new Set(input.core.map(([key]) => key.split('.')[0]));
  const used = new Set<string>();
  const implicitByUri = new Map(
    Object.entries(input.openId1ImplicitAliases ?? OPENID1_IMPLICIT_ALIASES).map(([alias, uri]) => [uri, alias]),
  );
  const free = (alias: string | undefined): alias is string =>
    alias !== undefined && checkAlias(alias) === undefined && !used.has(alias) && !coreHeads.has(alias);

  for (const ext of input.extensions ?? []) {
    if (ext.fields.length === 0) continue;
    let alias: string;
    let declare = true;
    const requested = input.request?.aliasFor(ext.uri);
    const implicit = implicitByUri.get(ext.uri);
    if (free(requested)) {
      alias = requested;
      declare = !(input.request?.isImplicitNamespace(ext.uri) ?? false);
    } else if (input.version === '1.x' && free(implicit)) {
      alias = implicit;
      declare = false;
    } else if (free(ext.preferredAlias)) {
      alias = ext.preferredAlias;
    } else {
      let i = 0;
      while (!free(`ext${i}`)) i += 1;
      alias = `ext${i}`;
    }
    used.add(alias);
    // OpenID 2.0 §12: declare the alias with openid.ns.<alias>=<Type URI>.
    if (declare) out.push([`${NS_ALIAS_PREFIX}${alias}`, ext.uri]);
    for (const [key, value] of ext.fields) out.push([key === '' ? alias : `${alias}.${key}`, value]);
  }

  const keys = new Set(out.map(([key]) => key));
  if (keys.size !== out.length) throw new RangeError('buildMessageFields: a field is repeated');
  return out;
}

/** Key-Value Form body of a direct response (OpenID 2.0 §5.1.2, §4.1.1): bare keys. */
export function toKeyValue(fields: KeyValuePairs): string {
  return encodeKeyValueForm(fields);
}

const LONE_SURROGATE = /\p{Cs}/u;

function encodeComponent(text: string): string {
  // OpenID 2.0 §4.1: UTF-8. encodeURIComponent throws a URIError on a lone surrogate; make it a
  // protocol error instead.
  if (LONE_SURROGATE.test(text)) throw new InvalidRequest('Message contains text that cannot be encoded as UTF-8');
  // %20 rather than "+" for spaces: both decode to a space under form decoding (§4.1.2, HTML 4.01
  // §17.13.4), but only %20 also survives a relying party that decodes its query as a plain URI.
  return encodeURIComponent(text);
}

/**
 * application/x-www-form-urlencoded query of a message (OpenID 2.0 §4.1.2, §5.2.1), every key
 * prefixed with "openid.", in the given order.
 */
export function toUrlQuery(fields: KeyValuePairs): string {
  return fields.map(([key, value]) => `${encodeComponent(OPENID_PREFIX + key)}=${encodeComponent(value)}`).join('&');
}

/** `<input>` name/value pairs for HTML form redirection (OpenID 2.0 §5.2.2), "openid."-prefixed. */
export function toFormFields(fields: KeyValuePairs): Array<{ name: string; value: string }> {
  return fields.map(([key, value]) => ({ name: OPENID_PREFIX + key, value }));
}

/**
 * The redirect URL of an indirect message (OpenID 2.0 §5.2.1: "the URL of the receiver with the
 * OpenID Authentication message appended to the query string"). The receiver's URL, typically
 * the RP's return_to, is kept byte for byte: its existing query stays first and untouched
 * (§10.1 and §11.1 make the RP compare it), and a fragment stays at the end.
 *
 * Except when it is not ASCII: a redirect's Location is a URI (RFC 3986 §2, RFC 9110 §10.2.2),
 * and Node refuses to send anything else. A return_to with an IDN host or UTF-8 in its path,
 * query or fragment is then written as browsers parse it (WHATWG URL: punycode host,
 * percent-encoded UTF-8), the address the browser would go to anyway. The URL must parse (a
 * return_to always has, see realm.ts).
 */
export function appendMessageToUrl(receiver: string, fields: KeyValuePairs): string {
  // eslint-disable-next-line no-control-regex
  const url = /[^\x00-\x7f]/.test(receiver) ? new URL(receiver).href : receiver;
  const query = toUrlQuery(fields);
  if (query.length === 0) return url;
  const hash = url.indexOf('#');
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}

/**
 * OpenID UI Extension 1.0 §5.1 "Authentication Response in a Fragment": for a return_to that
 * contains the fragment delimiter "#", the response parameters go in the fragment, after the
 * return_to as it is; "If the return_to URL already contains a question mark "?", the first
 * response parameter MUST be prefixed with an ampersand "&", otherwise ... with a question mark".
 * (The RP's page can then come from the browser's cache: nothing new reaches its server.)
 * Undefined when the return_to has no "#". Non-ASCII is written as in appendMessageToUrl.
 */
export function appendMessageToFragment(receiver: string, fields: KeyValuePairs): string | undefined {
  if (!receiver.includes('#')) return undefined;
  // eslint-disable-next-line no-control-regex
  const url = /[^\x00-\x7f]/.test(receiver) ? new URL(receiver).href : receiver;
  const query = toUrlQuery(fields);
  if (query.length === 0) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/**
 * Whether an indirect message URL is too long for an HTTP redirect (OpenID 1.1 Appendix D: 2,047
 * bytes with the OP's arguments added) and should go as an HTML form POST (OpenID 2.0 §5.2.2).
 */
export function exceedsRedirectLimit(url: string): boolean {
  return Buffer.byteLength(url, 'utf8') > MAX_INDIRECT_URL_BYTES;
}
