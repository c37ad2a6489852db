// What a checkid request asks about the user: Simple Registration 1.0/1.1, Attribute Exchange 1.0
// (fetch and store) and the Provider Authentication Policy Extension 1.0, read from the message's
// extension namespaces (OpenID 2.0 §12) into one plain value.
//
// Malformed extension data is an InvalidRequest: the RP built a message we cannot answer
// faithfully, and guessing (which alias a value belongs to, how many values it wants) is how an
// OP ends up sending what nobody asked for. Things that are merely useless (unknown SReg field
// names, an unknown AX type URI) are tolerated, as the specifications ask.

import { NS_AX_1_0, NS_PAPE_1_0, NS_SREG_1_0, NS_SREG_1_1 } from '../protocol/consts.js';
import { InvalidRequest } from '../protocol/errors.js';
import type { OpenIdMessage } from '../protocol/message.js';
import { parseRealm, parseReturnTo, type Realm } from '../protocol/realm.js';
import { returnToMatchesRealm } from '../protocol/realm-match.js';
import type { ProfileField, SregField } from '../users/user.entity.js';
import { ATTRIBUTE_FIELDS, fieldForTypeUri, isSregField } from './attributes.js';

export type AttributeSource = 'sreg' | 'ax';
export type SregNamespace = typeof NS_SREG_1_0 | typeof NS_SREG_1_1;
/** AX 1.0 §5.1 count: a positive number of values, or "unlimited". */
export type AxCount = number | 'unlimited';

/** PAPE 1.0 §5.2: the auth_policies value when no policy applies (RPs also send it to ask for none). */
export const PAPE_POLICY_NONE = 'http://schemas.openid.net/pape/policies/2007/06/none';

/** One of our fields, as asked by any extension. */
export interface RequestedField {
  readonly field: ProfileField;
  /** Required by at least one extension (SReg `required`, AX `required`). */
  readonly required: boolean;
  readonly sources: readonly AttributeSource[];
}

export interface SregRequest {
  /** The namespace the RP used: we answer in the same one (SReg 1.1 §3 / SReg 1.0). */
  readonly namespace: SregNamespace;
  readonly required: readonly SregField[];
  readonly optional: readonly SregField[];
  readonly policyUrl?: string;
}

export interface AxRequestedAttribute {
  /** The RP's alias for the attribute (AX 1.0 §5.1 `type.<alias>`), reused in the response. */
  readonly alias: string;
  readonly typeUri: string;
  /** Our field, or undefined for a type URI we do not serve. */
  readonly field: ProfileField | undefined;
  readonly required: boolean;
  /** `count.<alias>` as sent; undefined when absent ("exactly one value is requested"). */
  readonly count: AxCount | undefined;
}

export interface AxRequest {
  readonly mode: 'fetch_request' | 'store_request';
  /** Requested attributes in the order their `type.<alias>` fields arrived (empty for store). */
  readonly attributes: readonly AxRequestedAttribute[];
  /**
   * AX 1.0 §5.1 update_url, as sent. It MUST match the realm: check it with updateUrlAllowed
   * before acting on it. We never send updates, so the response does not echo it (§5.2).
   */
  readonly updateUrl?: string;
}

export interface PapeRequest {
  /** PAPE 1.0 §5.1 max_auth_age, seconds. */
  readonly maxAuthAge?: number;
  /** PAPE 1.0 §5.1 preferred_auth_policies, without the "none" policy. */
  readonly preferredPolicies: readonly string[];
}

export interface AttributeRequest {
  /** Our fields asked for by SReg or AX, in ATTRIBUTE_FIELDS order. */
  readonly fields: readonly RequestedField[];
  readonly sreg?: SregRequest;
  readonly ax?: AxRequest;
  readonly pape?: PapeRequest;
  /** SReg policy_url, for the consent page (only http and https URLs are kept). */
  readonly policyUrl?: string;
}

/** Reads the SReg, AX and PAPE parts of a checkid request. Throws InvalidRequest when malformed. */
export function parseAttributeRequest(message: OpenIdMessage): AttributeRequest {
  const sreg = parseSreg(message);
  const ax = message.hasExtension(NS_AX_1_0) ? parseAx(message.getExtensionArgs(NS_AX_1_0)) : undefined;
  const pape = message.hasExtension(NS_PAPE_1_0) ? parsePape(message.getExtensionArgs(NS_PAPE_1_0)) : undefined;

  const wanted = new Map<ProfileField, { required: boolean; sources: Set<AttributeSource> }>();
  const want = (field: ProfileField, required: boolean, source: AttributeSource): void => {
    const entry = wanted.get(field) ?? { required: false, sources: new Set<AttributeSource>() };
    entry.required ||= required;
    entry.sources.add(source);
    wanted.set(field, entry);
  };
  for (const field of sreg?.required ?? []) want(field, true, 'sreg');
  for (const field of sreg?.optional ?? []) want(field, false, 'sreg');
  for (const attribute of ax?.attributes ?? []) if (attribute.field) want(attribute.field, attribute.required, 'ax');

  const fields = ATTRIBUTE_FIELDS.filter((field) => wanted.has(field)).map((field): RequestedField => {
    const { required, sources } = wanted.get(field)!;
    return { field, required, sources: (['sreg', 'ax'] as const).filter((s) => sources.has(s)) };
  });

  return {
    fields,
    ...(sreg && { sreg }),
    ...(ax && { ax }),
    ...(pape && { pape }),
    ...(sreg?.policyUrl !== undefined && { policyUrl: sreg.policyUrl }),
  };
}

// ---------------------------------------------------------------------------------------------
// Simple Registration

const SREG_KEYS = ['required', 'optional', 'policy_url'] as const;

function sregArgs(message: OpenIdMessage): { namespace: SregNamespace; args: ReadonlyMap<string, string> } | undefined {
  // A declared namespace (OpenID 2.0 §12), or in 1.x the implied `sreg` alias (SReg 1.0 predates
  // namespaces; the message parser maps it to the 1.0 URI). 1.1 wins if an RP declares both.
  for (const namespace of [NS_SREG_1_1, NS_SREG_1_0] as const) {
    if (message.hasExtension(namespace)) return { namespace, args: message.getExtensionArgs(namespace) };
  }
  // Compatibility: some 2.0 RPs send bare openid.sreg.* without declaring the namespace.
  // python-openid's OP (sreg.getSRegNS) reads them as SReg 1.1 under the alias "sreg"; so do we,
  // provided "sreg" is not declared for something else. The answer then declares it.
  if (message.version !== '2.0' || message.uriFor('sreg') !== undefined) return undefined;
  const args = new Map<string, string>();
  for (const key of SREG_KEYS) {
    const value = message.getArg(`sreg.${key}`);
    if (value !== undefined) args.set(key, value);
  }
  return args.size > 0 ? { namespace: NS_SREG_1_1, args } : undefined;
}

/**
 * SReg 1.1 §3: a comma-separated list of field names; unknown names are ignored. `phone` is one
 * of them: it is our field, not SReg's (SReg 1.1 §4 defines nine), so SReg never asks for it.
 */
function sregFieldList(value: string | undefined): SregField[] {
  const out: SregField[] = [];
  for (const item of (value ?? '').split(',')) {
    // Some RPs put spaces after the commas.
    const name = item.trim();
    if (isSregField(name) && !out.includes(name)) out.push(name);
  }
  return out;
}

function parseSreg(message: OpenIdMessage): SregRequest | undefined {
  const found = sregArgs(message);
  if (!found) return undefined;
  const { namespace, args } = found;
  // SReg 1.1 §3: required fields "will prevent the Consumer from completing the registration"
  // if absent; a field listed both ways is therefore required.
  const required = sregFieldList(args.get('required'));
  const optional = sregFieldList(args.get('optional')).filter((field) => !required.includes(field));
  // SReg 1.1 §3: the OP SHOULD display policy_url. The consent page links to it, so only a real
  // web address is kept (never a javascript: or data: URL).
  const policyUrl = webUrl(args.get('policy_url'));
  return { namespace, required, optional, ...(policyUrl !== undefined && { policyUrl }) };
}

function webUrl(value: string | undefined): string | undefined {
  if (value === undefined || !URL.canParse(value)) return undefined;
  const { protocol } = new URL(value);
  return protocol === 'https:' || protocol === 'http:' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Attribute Exchange

const AX_MODE_FETCH = 'fetch_request';
const AX_MODE_STORE = 'store_request';

function axError(message: string, detail?: string): InvalidRequest {
  return new InvalidRequest(`Invalid Attribute Exchange request: ${message}`, detail === undefined ? {} : { detail });
}

/**
 * AX 1.0 §5.1: attribute aliases "MUST NOT contain newline and colon characters ...; they also
 * MUST NOT contain commas (",") and periods (".")". Other control characters are refused too.
 */
function checkAxAlias(alias: string, key: string): void {
  if (alias.length === 0) throw axError(`openid.<ax>.${key} has an empty alias`);
  if (/[.,:\p{Cc}]/u.test(alias)) {
    throw axError(`alias ${JSON.stringify(alias)} contains a period, comma, colon or control character`, `key ${key}`);
  }
}

/** AX 1.0 §5.1 count: greater than zero, or "unlimited". */
function parseAxCount(value: string, alias: string): AxCount {
  if (value === 'unlimited') return 'unlimited';
  if (!/^\d{1,15}$/.test(value)) throw axError(`count.${alias} is not a number or "unlimited"`, `count.${alias}=${JSON.stringify(value)}`);
  const count = Number(value);
  if (count === 0) throw axError(`count.${alias} must be greater than zero`);
  return count;
}

/** AX 1.0 §5.1 required / if_available: comma-separated aliases, each with a type.<alias>. */
function axAliasList(value: string | undefined, types: ReadonlyMap<string, string>, key: string): Set<string> {
  // A set: linear in the list, however many aliases it repeats.
  const out = new Set<string>();
  for (const item of (value ?? '').split(',')) {
    if (item === '') continue; // "a,b," — a trailing comma names nothing
    if (!types.has(item)) throw axError(`${key} names alias ${JSON.stringify(item)} without a type.${item}`);
    out.add(item);
  }
  return out;
}

function parseAx(args: ReadonlyMap<string, string>): AxRequest {
  const mode = args.get('mode');
  // AX 1.0 §6.1: a store request; we do not store attributes, the response says so (§6.2.2).
  if (mode === AX_MODE_STORE) return { mode: AX_MODE_STORE, attributes: [] };
  // AX 1.0 §5.1: "openid.ax.mode REQUIRED. Value: fetch_request".
  if (mode !== AX_MODE_FETCH) throw axError('mode must be fetch_request or store_request', `mode=${JSON.stringify(mode)}`);

  // AX 1.0 §5.1: type.<alias> = the attribute's type identifier URI (§3.2).
  const types = new Map<string, string>();
  const aliasOfUri = new Map<string, string>();
  for (const [key, value] of args) {
    if (!key.startsWith('type.')) continue;
    const alias = key.slice('type.'.length);
    checkAxAlias(alias, key);
    if (value.length === 0) throw axError(`type.${alias} is empty`);
    // Two aliases for one type URI leave it open which one the RP reads the value from
    // (python-openid refuses such a request too).
    const other = aliasOfUri.get(value);
    if (other !== undefined) throw axError(`one type URI has two aliases (${other}, ${alias})`, value);
    aliasOfUri.set(value, alias);
    types.set(alias, value);
  }

  const counts = new Map<string, AxCount>();
  for (const [key, value] of args) {
    if (!key.startsWith('count.')) continue;
    const alias = key.slice('count.'.length);
    checkAxAlias(alias, key);
    if (!types.has(alias)) throw axError(`count.${alias} has no type.${alias}`);
    counts.set(alias, parseAxCount(value, alias));
  }

  // AX 1.0 §5.1: aliases in required / if_available MUST have a type.<alias>. An alias in both
  // lists is required. A type listed in neither (not forbidden, but not asked for either) is
  // treated as if_available: the user sees it on the consent page as optional.
  const required = axAliasList(args.get('required'), types, 'required');
  axAliasList(args.get('if_available'), types, 'if_available');

  const attributes = [...types].map(([alias, typeUri]): AxRequestedAttribute => ({
    alias,
    typeUri,
    field: fieldForTypeUri(typeUri),
    required: required.has(alias),
    count: counts.get(alias),
  }));
  const updateUrl = args.get('update_url');
  return { mode: AX_MODE_FETCH, attributes, ...(updateUrl !== undefined && updateUrl !== '' && { updateUrl }) };
}

/**
 * AX 1.0 §5.1: "The openid.ax.update_url value MUST also match the realm specified in the
 * underlying OpenID message of the fetch request", by the rules of OpenID 2.0 §9.2. False for an
 * unparsable URL or realm.
 */
export function updateUrlAllowed(updateUrl: string, realm: Realm | string): boolean {
  try {
    const parsedRealm = typeof realm === 'string' ? parseRealm(realm) : realm;
    return returnToMatchesRealm(parsedRealm, parseReturnTo(updateUrl));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Provider Authentication Policy Extension

function parsePape(args: ReadonlyMap<string, string>): PapeRequest {
  // PAPE 1.0 §5.1 preferred_auth_policies: space-separated policy URIs; "none" asks for nothing.
  const preferredPolicies: string[] = [];
  for (const uri of (args.get('preferred_auth_policies') ?? '').split(' ')) {
    if (uri !== '' && uri !== PAPE_POLICY_NONE && !preferredPolicies.includes(uri)) preferredPolicies.push(uri);
  }
  // PAPE 1.0 §5.1 max_auth_age: "Integer value greater than or equal to zero in seconds".
  const raw = args.get('max_auth_age');
  if (raw === undefined || raw === '') return { preferredPolicies };
  if (!/^\d+$/.test(raw)) {
    throw new InvalidRequest('Invalid PAPE request: max_auth_age must be a whole number of seconds', { detail: `max_auth_age=${JSON.stringify(raw)}` });
  }
  return { maxAuthAge: Math.min(Number(raw), Number.MAX_SAFE_INTEGER), preferredPolicies };
}

/**
 * PAPE 1.0 §5.1: "If the End User has not actively authenticated to the OP within the number of
 * seconds specified ..., the OP SHOULD authenticate the End User for this request." True when
 * the RP set max_auth_age and the user's last active authentication is older.
 */
export function maxAuthAgeExceeded(request: AttributeRequest, authTime: Date, now: Date): boolean {
  const maxAuthAge = request.pape?.maxAuthAge;
  if (maxAuthAge === undefined) return false;
  const elapsedSeconds = Math.floor((now.getTime() - authTime.getTime()) / 1000);
  return elapsedSeconds > maxAuthAge;
}
