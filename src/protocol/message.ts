// The incoming OpenID message model (OpenID 2.0 §4.1, §4.1.2, §12, §14).
//
// The adapter hands over the raw `[key, value]` pairs of the GET query or the POST body, with
// duplicates preserved, so that this module can refuse them: §4.1 "Messages MUST NOT contain
// multiple parameters with the same name", and picking one of two values is how parameter
// pollution attacks work (STYLE §7). Only keys prefixed with "openid." belong to the message
// (§4.1.2); the others are ignored here.

import {
  Field,
  NS_ALIAS_PREFIX,
  NS_OPENID_1_0,
  NS_OPENID_1_1,
  NS_OPENID_2_0,
  OPENID1_IMPLICIT_ALIASES,
  OPENID_PREFIX,
  RESERVED_ALIASES,
  type OpenIdVersion,
} from './consts.js';
import { InvalidRequest } from './errors.js';

export interface ParseMessageOptions {
  /**
   * OpenID 1.x compatibility hook: aliases understood without an `openid.ns.<alias>` declaration
   * (default OPENID1_IMPLICIT_ALIASES, i.e. `sreg` → SReg 1.0). Ignored for 2.0 messages, where
   * §12 requires every extension to be declared.
   */
  readonly openId1ImplicitAliases?: Readonly<Record<string, string>>;
}

interface Namespace {
  readonly uri: string;
  readonly alias: string;
  /** True when the alias was not declared but implied (OpenID 1.x compatibility). */
  readonly implicit: boolean;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** An incoming OpenID message, its version resolved and its extension namespaces mapped. */
export class OpenIdMessage {
  readonly #fields: ReadonlyMap<string, string>;
  readonly #byAlias: ReadonlyMap<string, Namespace>;
  readonly #byUri: ReadonlyMap<string, Namespace>;

  private constructor(
    /** Protocol version (§4.1.2): 2.0, or 1.x compatibility mode (§14). */
    readonly version: OpenIdVersion,
    fields: ReadonlyMap<string, string>,
    namespaces: readonly Namespace[],
  ) {
    this.#fields = fields;
    this.#byAlias = new Map(namespaces.map((ns) => [ns.alias, ns]));
    this.#byUri = new Map(namespaces.map((ns) => [ns.uri, ns]));
  }

  /** @internal Used by parseOpenIdMessage only. */
  static create(version: OpenIdVersion, fields: ReadonlyMap<string, string>, namespaces: readonly Namespace[]): OpenIdMessage {
    return new OpenIdMessage(version, fields, namespaces);
  }

  /**
   * Every `openid.*` field, keys without the prefix, in arrival order. This is the view signature
   * verification needs (§6.1 looks fields up by their unprefixed key).
   */
  get fields(): ReadonlyMap<string, string> {
    return this.#fields;
  }

  /** `openid.mode` (§4.1.2); undefined when absent, i.e. "not an OpenID message". */
  get mode(): string | undefined {
    return this.#fields.get(Field.mode);
  }

  /** `openid.ns` as received (undefined for a 1.x message that omits it). */
  get namespace(): string | undefined {
    return this.#fields.get(Field.ns);
  }

  /**
   * A field of the core OpenID namespace by unprefixed key (e.g. "return_to"). Keys that belong to
   * an extension (their first segment is an extension alias, §12) and `ns.<alias>` declarations
   * are not core fields. An empty string is a present, blank value (§14.2.1 blank session_type).
   */
  getArg(key: string): string | undefined {
    if (!this.isCoreKey(key)) return undefined;
    return this.#fields.get(key);
  }

  hasArg(key: string): boolean {
    return this.getArg(key) !== undefined;
  }

  /** Like getArg, but a missing field is an InvalidRequest (§4.1: parameters are REQUIRED). */
  requireArg(key: string): string {
    const value = this.getArg(key);
    if (value === undefined) throw new InvalidRequest(`Missing openid.${key}`);
    return value;
  }

  /** The alias this message uses for an extension namespace URI (§12), if any. */
  aliasFor(uri: string): string | undefined {
    return this.#byUri.get(uri)?.alias;
  }

  /** The extension namespace URI an alias stands for in this message (§12), if any. */
  uriFor(alias: string): string | undefined {
    return this.#byAlias.get(alias)?.uri;
  }

  /** Whether the URI's alias was implied rather than declared (OpenID 1.x SReg compatibility). */
  isImplicitNamespace(uri: string): boolean {
    return this.#byUri.get(uri)?.implicit ?? false;
  }

  /** Extension namespace URI → alias, for every extension present. */
  get extensionNamespaces(): ReadonlyMap<string, string> {
    return new Map([...this.#byUri.values()].map((ns) => [ns.uri, ns.alias]));
  }

  hasExtension(uri: string): boolean {
    return this.#byUri.has(uri);
  }

  /**
   * The fields of one extension (§12), keys relative to the alias: `openid.<alias>.<key>` appears
   * as `<key>`, and `openid.<alias>` itself as the empty key. Empty when the extension is absent.
   */
  getExtensionArgs(uri: string): ReadonlyMap<string, string> {
    const ns = this.#byUri.get(uri);
    const out = new Map<string, string>();
    if (!ns) return out;
    for (const [key, value] of this.#fields) {
      if (key === ns.alias) out.set('', value);
      else if (key.startsWith(`${ns.alias}.`)) out.set(key.slice(ns.alias.length + 1), value);
    }
    return out;
  }

  private isCoreKey(key: string): boolean {
    if (key.startsWith(NS_ALIAS_PREFIX)) return false;
    const dot = key.indexOf('.');
    const head = dot < 0 ? key : key.slice(0, dot);
    return !this.#byAlias.has(head);
  }
}

/** OpenID 2.0 §4.1.2, §5.1.2: the protocol version an `openid.ns` value selects. */
export function versionForNamespace(ns: string | undefined): OpenIdVersion {
  if (ns === NS_OPENID_2_0) return '2.0';
  // OpenID 2.0 §4.1.2: absent, or one of the 1.0/1.1 URIs, means 1.1 compatibility mode.
  if (ns === undefined || ns === NS_OPENID_1_1 || ns === NS_OPENID_1_0) return '1.x';
  throw new InvalidRequest('Unsupported openid.ns value', { detail: `openid.ns=${JSON.stringify(ns)}` });
}

/**
 * Validates an extension alias (OpenID 2.0 §12): non-empty, no period, not one of the disallowed
 * aliases. Returns a reason string when invalid, undefined when valid.
 */
export function checkAlias(alias: string): string | undefined {
  if (alias.length === 0) return 'empty alias';
  // OpenID 2.0 §12: a namespace alias MUST NOT contain a period.
  if (alias.includes('.')) return 'alias contains a period';
  // OpenID 2.0 §12: nor be one of the disallowed aliases.
  if (RESERVED_ALIASES.has(alias)) return 'alias is reserved';
  // A comma would make "alias.key" entries ambiguous in openid.signed (§6.1 step 1).
  if (alias.includes(',')) return 'alias contains a comma';
  return undefined;
}

/**
 * Parses the `openid.*` pairs of a request into an OpenIdMessage. Throws InvalidRequest on a
 * duplicated openid.* parameter (§4.1), an unknown openid.ns (§4.1.2), a bad extension alias or
 * a URI given two aliases (§12), an empty key, or text that is not valid Unicode (§4.1).
 */
export function parseOpenIdMessage(
  pairs: Iterable<readonly [string, string]>,
  options: ParseMessageOptions = {},
): OpenIdMessage {
  const fields = new Map<string, string>();
  for (const [rawKey, value] of pairs) {
    if (!rawKey.startsWith(OPENID_PREFIX)) continue;
    const key = rawKey.slice(OPENID_PREFIX.length);
    if (key.length === 0) throw new InvalidRequest('Parameter "openid." has no name');
    // OpenID 2.0 §4.1: messages MUST NOT contain multiple parameters with the same name.
    if (fields.has(key)) {
      throw new InvalidRequest(`Duplicate parameter openid.${key}`, { detail: 'repeated openid.* parameter' });
    }
    // OpenID 2.0 §4.1: keys and values are Unicode text encoded as UTF-8. The public message
    // travels to the RP in key-value form (§5.1.2.2), which cannot carry a key that is not text.
    if (LONE_SURROGATE.test(key)) throw new InvalidRequest('A parameter name is not valid text');
    if (LONE_SURROGATE.test(value)) throw new InvalidRequest(`Parameter openid.${key} is not valid text`);
    fields.set(key, value);
  }

  const version = versionForNamespace(fields.get(Field.ns));

  // OpenID 2.0 §12: aliases are declared by openid.ns.<alias>=<Type URI>.
  const namespaces: Namespace[] = [];
  const aliasOfUri = new Map<string, string>();
  for (const [key, uri] of fields) {
    if (!key.startsWith(NS_ALIAS_PREFIX)) continue;
    const alias = key.slice(NS_ALIAS_PREFIX.length);
    const problem = checkAlias(alias);
    if (problem) throw new InvalidRequest(`Invalid extension alias in openid.${key}`, { detail: problem });
    if (uri.length === 0) throw new InvalidRequest(`openid.${key} has an empty namespace URI`);
    // The OpenID namespace already has the empty alias; a second alias for it would break §12's
    // one-alias-per-namespace rule and let extension fields pose as protocol fields.
    if (uri === NS_OPENID_2_0 || uri === NS_OPENID_1_1 || uri === NS_OPENID_1_0) {
      throw new InvalidRequest(`openid.${key} redeclares the OpenID namespace`);
    }
    // OpenID 2.0 §12: a namespace MUST NOT be assigned more than one alias in the same message.
    // (Two declarations of one alias cannot happen: they would be duplicate parameters.)
    const existing = aliasOfUri.get(uri);
    if (existing !== undefined) {
      throw new InvalidRequest('An extension namespace has two aliases', {
        detail: `${uri} is declared as both ${existing} and ${alias}`,
      });
    }
    aliasOfUri.set(uri, alias);
    namespaces.push({ uri, alias, implicit: false });
  }

  if (version === '1.x') {
    // OpenID 1.x compatibility: extensions that predate §12 (SReg) arrive under a fixed alias
    // without a declaration. Only when the alias is undeclared, the URI has no other alias, and
    // at least one field uses the alias.
    const implicit = options.openId1ImplicitAliases ?? OPENID1_IMPLICIT_ALIASES;
    const declaredAliases = new Set(namespaces.map((ns) => ns.alias));
    for (const [alias, uri] of Object.entries(implicit)) {
      if (declaredAliases.has(alias) || aliasOfUri.has(uri)) continue;
      const used = [...fields.keys()].some((key) => key === alias || key.startsWith(`${alias}.`));
      if (!used) continue;
      aliasOfUri.set(uri, alias);
      namespaces.push({ uri, alias, implicit: true });
    }
  }

  return OpenIdMessage.create(version, fields, namespaces);
}
