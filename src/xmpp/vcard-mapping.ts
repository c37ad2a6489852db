import type { ProfileValues } from '../sreg/profile-source.js';
import type { VcardValues } from '../users/user.entity.js';
import { validateProfile } from '../users/profile.js';
import type { ProfileField } from '../users/user.entity.js';
import { childElements, firstChild, namespaceOf, textOf, type XmlElement } from './xml-node.js';

// A user's vCard → our profile fields (the nine SReg 1.1 §4 fields and the phone number,
// src/users/user.entity.ts), for both flavours an XMPP server may hold:
//
//   XEP-0054 vcard-temp   <vCard xmlns='vcard-temp'>, upper-case elements after vCard 3.0
//                         (RFC 2426): FN, N/GIVEN|FAMILY, NICKNAME, EMAIL/USERID (+ PREF flag),
//                         BDAY, ADR/PCODE|CTRY (+ PREF, HOME flags), TZ, TEL/NUMBER (+ type
//                         flags: PREF, VOICE, CELL, FAX, PAGER...).
//   XEP-0292 vCard4       <vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'>, the xCard format of
//                         RFC 6351: lower-case properties whose values sit in typed children
//                         (<text>, <date>, <language-tag>...), with <parameters><pref> (RFC 6350
//                         §5.3: 1 is most preferred); tel as an RFC 3966 tel: URI or text.
//
// Every value goes through the same validators as values typed on the identity page
// (src/users/profile.ts); a value that does not pass is dropped, never "fixed" into something
// the user did not write. N's given and family names are returned beside the profile: our
// profile has no first/last name fields (src/sreg/attributes.ts declines AX namePerson/first and
// /last), so they only fill `fullname` when FN is missing.

export const NS_VCARD_TEMP = 'vcard-temp';
export const NS_VCARD4 = 'urn:ietf:params:xml:ns:vcard-4.0';
export const NS_PUBSUB = 'http://jabber.org/protocol/pubsub';
/** XEP-0292 §3: the PEP node holding the user's vCard4. */
export const VCARD4_NODE = 'urn:xmpp:vcard4';

export interface VcardProfile {
  /** Validated values in SReg 1.1 §4 format. */
  readonly values: ProfileValues;
  /** vCard N (given and family name): not stored today, kept for AX namePerson/first and /last. */
  readonly name: { readonly given?: string; readonly family?: string };
}

export const EMPTY_VCARD_PROFILE: VcardProfile = Object.freeze({ values: Object.freeze({}), name: Object.freeze({}) });

/** What a vCard says, before validation; every flavour is read into this shape first. */
interface RawVcard {
  fullname?: string;
  nickname?: string;
  email?: string;
  bday?: string;
  given?: string;
  family?: string;
  address?: { country?: string; postcode?: string };
  timezone?: string;
  language?: string;
  gender?: string;
  /** Phone numbers, most wanted first: the first that normalises is the profile's. */
  phones?: string[];
}

// Bounds for hostile or broken input: a vCard with thousands of properties, or a megabyte of
// text in one, costs a bounded amount of work and is read as far as it makes sense.
const MAX_PROPERTIES = 500;
const MAX_VALUE = 1024;

function properties(vcard: XmlElement): XmlElement[] {
  return childElements(vcard).slice(0, MAX_PROPERTIES);
}

function bounded(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.length > MAX_VALUE * 4 ? '' : value.trim();
  return trimmed === '' || trimmed.length > MAX_VALUE ? undefined : trimmed;
}

// ---------------------------------------------------------------------------------------------
// XEP-0054 vcard-temp

/** The profile a vcard-temp <vCard/> describes (XEP-0054 §3). Anything else maps to nothing. */
export function mapVcardTemp(vcard: XmlElement | undefined): VcardProfile {
  if (vcard === undefined || vcard.name !== 'vCard' || namespaceOf(vcard) !== NS_VCARD_TEMP) return EMPTY_VCARD_PROFILE;
  const props = properties(vcard);
  const named = (name: string) => props.filter((p) => p.name === name);
  const text = (name: string) => bounded(named(name).map(textOf).find((t) => t.trim() !== ''));
  const n = named('N')[0];
  const raw: RawVcard = {
    fullname: text('FN'),
    nickname: text('NICKNAME'),
    given: n && bounded(componentText(n, 'GIVEN')),
    family: n && bounded(componentText(n, 'FAMILY')),
    email: preferredTemp(named('EMAIL'), (e) => bounded(componentText(e, 'USERID') ?? textOf(e))),
    bday: text('BDAY'),
    address: addressTemp(named('ADR')),
    timezone: text('TZ'),
    // Not in XEP-0054's DTD, but some clients write vCard 4's LANG into vcard-temp.
    language: text('LANG'),
    phones: telTemp(named('TEL')),
  };
  return validate(raw);
}

function componentText(node: XmlElement, name: string): string | undefined {
  const child = firstChild(node, name);
  return child === undefined ? undefined : textOf(child);
}

/** XEP-0054: the entry flagged <PREF/>, else the first one that has a value. */
function preferredTemp(entries: XmlElement[], value: (e: XmlElement) => string | undefined): string | undefined {
  const withValue = entries.map((e) => ({ e, v: value(e) })).filter((x) => x.v !== undefined);
  return (withValue.find((x) => firstChild(x.e, 'PREF') !== undefined) ?? withValue[0])?.v;
}

/** One address, so that postcode and country belong together: PREF, else HOME, else the first. */
function addressTemp(entries: XmlElement[]): RawVcard['address'] {
  const read = (e: XmlElement) => ({ country: bounded(componentText(e, 'CTRY')), postcode: bounded(componentText(e, 'PCODE')) });
  const useful = entries.filter((e) => {
    const a = read(e);
    return a.country !== undefined || a.postcode !== undefined;
  });
  const chosen = useful.find((e) => firstChild(e, 'PREF')) ?? useful.find((e) => firstChild(e, 'HOME')) ?? useful[0];
  return chosen && read(chosen);
}

/**
 * XEP-0054 TEL: a NUMBER and type flags (HOME, WORK, VOICE, FAX, PAGER, MSG, CELL, VIDEO, BBS,
 * MODEM, ISDN, PCS, PREF). The numbers that reach a person, most wanted first: PREF, then VOICE or
 * CELL, then the others (a TEL with no kind is a voice line: RFC 2426 §3.3.1 "The default type is
 * "voice""), each group in document order. One that is only a fax, pager, modem or BBS line is left out.
 */
function telTemp(entries: XmlElement[]): string[] {
  const ranked: { number: string; rank: number }[] = [];
  for (const e of entries) {
    const number = phoneText(bounded(componentText(e, 'NUMBER')));
    if (number === undefined) continue;
    const flags = new Set(childElements(e).map((c) => c.name));
    if (machineOnly([...flags].filter((f) => !TEMP_NOT_KINDS.has(f)), TEMP_MACHINE_KINDS)) continue;
    ranked.push({ number, rank: flags.has('PREF') ? 0 : flags.has('VOICE') || flags.has('CELL') ? 1 : 2 });
  }
  // Array.prototype.sort is stable: document order within a rank.
  return ranked.sort((a, b) => a.rank - b.rank).map((x) => x.number);
}

/** vcard-temp TEL children that say where or how preferred, not what kind of line. */
const TEMP_NOT_KINDS: ReadonlySet<string> = new Set(['NUMBER', 'HOME', 'WORK', 'PREF']);
const TEMP_MACHINE_KINDS: ReadonlySet<string> = new Set(['FAX', 'PAGER', 'MODEM', 'BBS']);

/** Whether a line's kinds are all kinds nobody answers by voice (none at all is a voice line). */
function machineOnly(kinds: readonly string[], machines: ReadonlySet<string>): boolean {
  return kinds.length > 0 && kinds.every((k) => machines.has(k));
}

// ---------------------------------------------------------------------------------------------
// XEP-0292 vCard4 (RFC 6351 xCard)

/** The <vcard/> inside a PEP items result for the urn:xmpp:vcard4 node (XEP-0292 §3.1). */
export function vcard4FromPubsub(pubsub: XmlElement | undefined): XmlElement | undefined {
  if (pubsub === undefined || pubsub.name !== 'pubsub' || namespaceOf(pubsub) !== NS_PUBSUB) return undefined;
  const items = childElements(pubsub, 'items').find((i) => i.attrs['node'] === VCARD4_NODE);
  const item = items && childElements(items, 'item')[0];
  return item && childElements(item, 'vcard', NS_VCARD4)[0];
}

/** The profile a vCard4 <vcard/> describes (XEP-0292, RFC 6351). Anything else maps to nothing. */
export function mapVcard4(vcard: XmlElement | undefined): VcardProfile {
  if (vcard === undefined || vcard.name !== 'vcard' || namespaceOf(vcard) !== NS_VCARD4) return EMPTY_VCARD_PROFILE;
  const props = properties(vcard);
  const named = (name: string) => props.filter((p) => p.name === name);
  const pick = (name: string, kinds: readonly string[]) => preferred4(named(name), (p) => typedValue(p, kinds));
  const n = named('n')[0];
  const raw: RawVcard = {
    fullname: pick('fn', ['text']),
    nickname: pick('nickname', ['text']),
    given: n && bounded(componentText(n, 'given')),
    family: n && bounded(componentText(n, 'surname')),
    email: pick('email', ['text']),
    // RFC 6350 §6.2.5: date-and-or-time, or free text ("circa 1800", which we then drop).
    bday: pick('bday', ['date', 'date-time', 'date-and-or-time', 'text']),
    address: address4(named('adr')),
    // RFC 6350 §6.5.1: text (a zone name), uri or utc-offset; only a zone name is a time zone.
    timezone: pick('tz', ['text']),
    language: pick('lang', ['language-tag']),
    gender: preferred4(named('gender'), (p) => bounded(componentText(p, 'sex'))),
    phones: tel4(named('tel')),
  };
  return validate(raw);
}

/** RFC 6350 §6.4.1 TEL types of lines nobody answers by voice (text, SMS, is a person's). */
const TEL4_MACHINE_KINDS: ReadonlySet<string> = new Set(['fax', 'pager']);

/**
 * RFC 6350 §6.4.1 TEL: a tel: URI (RFC 3966; "SHOULD be reset to a URI value") or free text.
 * The numbers that reach a person, most wanted first: the lowest PREF (§5.3), then voice or cell,
 * then the others (a TEL without TYPE is a voice line: §6.4.1 "The default type is "voice""),
 * each in document order. One that is only a fax or a pager is left out.
 */
function tel4(entries: XmlElement[]): string[] {
  const ranked: { number: string; pref: number; rank: number }[] = [];
  for (const e of entries) {
    const uri = typedValue(e, ['uri']);
    const number = uri === undefined ? phoneText(typedValue(e, ['text'])) : telUriNumber(uri);
    if (number === undefined) continue;
    const kinds = parameterTypes(e).filter((t) => t !== 'home' && t !== 'work' && t !== 'pref');
    if (machineOnly(kinds, TEL4_MACHINE_KINDS)) continue;
    ranked.push({ number, pref: preference(e), rank: kinds.includes('voice') || kinds.includes('cell') ? 0 : 1 });
  }
  return ranked.sort((a, b) => a.pref - b.pref || a.rank - b.rank).map((x) => x.number);
}

/** The lower-case TYPE parameter values of an xCard property (RFC 6351 §3.5). */
function parameterTypes(property: XmlElement): string[] {
  const parameters = firstChild(property, 'parameters');
  if (parameters === undefined) return [];
  return childElements(parameters, 'type').flatMap((t) => childElements(t, 'text').map((x) => textOf(x).trim().toLowerCase()));
}

/** A number written as text, or as a tel: URI in a text value (clients copy vCard 4's into vCard 3's). */
function phoneText(value: string | undefined): string | undefined {
  return value !== undefined && /^tel:/i.test(value) ? telUriNumber(value) : value;
}

/**
 * The number of an RFC 3966 tel: URI, for the profile's validator, or undefined. Only a
 * global-number ("+" and digits with visual separators, §5.1.4, §5.1.1) names a number by itself:
 * a local-number needs its phone-context (§5.1.5). An ISDN subaddress (§5.2) or an extension
 * (§5.3) picks a line behind the number, which E.164 cannot say: such a number is not offered
 * (the bare number would reach someone else's switchboard). Other parameters (§5.4: number
 * portability, trunk groups) do not change who answers, and are dropped.
 */
export function telUriNumber(uri: string): string | undefined {
  const m = /^tel:([^;]*)((?:;[^;]*)*)$/i.exec(uri.trim());
  if (!m) return undefined;
  const [, number, params] = m;
  if (!number!.startsWith('+')) return undefined;
  const names = params!.split(';').slice(1).map((p) => p.split('=')[0]!.toLowerCase());
  if (names.includes('ext') || names.includes('isub')) return undefined;
  // §3: characters outside the tel: syntax are percent-encoded; a number needs none of them.
  return /%/.test(number!) ? undefined : number;
}

function typedValue(property: XmlElement, kinds: readonly string[]): string | undefined {
  for (const kind of kinds) {
    const value = bounded(childElements(property, kind).map(textOf).find((t) => t.trim() !== ''));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** RFC 6350 §5.3 PREF: 1 (most preferred) to 100; vCard 3's TYPE=pref counts as 1; absent is least. */
function preference(property: XmlElement): number {
  const parameters = firstChild(property, 'parameters');
  if (parameters === undefined) return 101;
  const pref = firstChild(parameters, 'pref');
  const value = pref && Number(componentText(pref, 'integer')?.trim());
  if (value !== undefined && Number.isInteger(value) && value >= 1 && value <= 100) return value;
  const types = childElements(parameters, 'type').flatMap((t) => childElements(t, 'text').map((x) => textOf(x).trim().toLowerCase()));
  return types.includes('pref') ? 1 : 101;
}

/** The most preferred property that has a value; ties go to the first in document order. */
function preferred4(entries: XmlElement[], value: (e: XmlElement) => string | undefined): string | undefined {
  let best: { v: string; p: number } | undefined;
  for (const e of entries) {
    const v = value(e);
    if (v === undefined) continue;
    const p = preference(e);
    if (best === undefined || p < best.p) best = { v, p };
  }
  return best?.v;
}

function address4(entries: XmlElement[]): RawVcard['address'] {
  const read = (e: XmlElement) => ({ country: bounded(componentText(e, 'country')), postcode: bounded(componentText(e, 'code')) });
  const useful = entries.filter((e) => {
    const a = read(e);
    return a.country !== undefined || a.postcode !== undefined;
  });
  const isHome = (e: XmlElement) => {
    const parameters = firstChild(e, 'parameters');
    return parameters !== undefined && childElements(parameters, 'type').some((t) => childElements(t, 'text').some((x) => textOf(x).trim().toLowerCase() === 'home'));
  };
  const best = Math.min(...useful.map(preference));
  const chosen = useful.find((e) => preference(e) === best && best <= 100) ?? useful.find(isHome) ?? useful[0];
  return chosen && read(chosen);
}

// ---------------------------------------------------------------------------------------------
// Both flavours

/**
 * The profile from both flavours: vCard4 first (XEP-0292 is the current specification; with
 * Prosody's mod_vcard_legacy both are views of the same data anyway), vcard-temp filling the
 * gaps. Postcode and country come from one flavour together, so they describe one address.
 */
export function mergeVcardProfiles(primary: VcardProfile, secondary: VcardProfile): VcardProfile {
  const values: ProfileValues = { ...secondary.values, ...primary.values };
  const addressFrom = primary.values.country !== undefined || primary.values.postcode !== undefined ? primary : secondary;
  delete values.country;
  delete values.postcode;
  if (addressFrom.values.country !== undefined) values.country = addressFrom.values.country;
  if (addressFrom.values.postcode !== undefined) values.postcode = addressFrom.values.postcode;
  const nameFrom = primary.name.given !== undefined || primary.name.family !== undefined ? primary : secondary;
  return { values, name: { ...nameFrom.name } };
}

/** The profile of a user from the raw elements the connector fetched (either may be missing). */
export function profileFromVcards(input: { vcard4?: XmlElement; vcardTemp?: XmlElement }): VcardProfile {
  return mergeVcardProfiles(mapVcard4(input.vcard4), mapVcardTemp(input.vcardTemp));
}

// ---------------------------------------------------------------------------------------------
// Validation and value formats

function validate(raw: RawVcard): VcardProfile {
  const values: ProfileValues = {};
  const set = (field: ProfileField, value: string | undefined) => {
    if (value === undefined) return;
    const checked = checkOne(field, value);
    if (checked !== undefined) values[field] = checked;
  };
  const given = freeText(raw.given);
  const family = freeText(raw.family);
  set('fullname', raw.fullname ?? ([given, family].filter((x) => x !== undefined).join(' ') || undefined));
  set('nickname', raw.nickname);
  set('email', raw.email);
  set('dob', raw.bday === undefined ? undefined : sregDate(raw.bday));
  set('country', raw.address?.country === undefined ? undefined : countryCode(raw.address.country));
  set('postcode', raw.address?.postcode);
  set('timezone', raw.timezone);
  set('language', raw.language === undefined ? undefined : languageTag(raw.language));
  set('gender', raw.gender === 'M' || raw.gender === 'F' ? raw.gender : undefined);
  // The most wanted number that src/users/profile.ts turns into E.164; a number it refuses (a
  // national one, 303-555-1212, names no country) is not offered.
  for (const phone of raw.phones ?? []) {
    set('phone', phone);
    if (values.phone !== undefined) break;
  }
  const name: { given?: string; family?: string } = {};
  if (given !== undefined) name.given = given;
  if (family !== undefined) name.family = family;
  return { values, name };
}

/** One field through src/users/profile.ts; undefined when it does not validate. */
function checkOne(field: ProfileField, value: string): string | undefined {
  try {
    const out = validateProfile({ [field]: value })[field];
    return typeof out === 'string' ? out : undefined;
  } catch {
    return undefined;
  }
}

function freeText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const clean = value.normalize('NFC').trim();
  return clean === '' || clean.length > 255 || /\p{Cc}/u.test(clean) ? undefined : clean;
}

/**
 * A vCard date as SReg 1.1 §4 wants it, YYYY-MM-DD with zeros for unknown parts, or undefined.
 * Accepted: ISO 8601 extended (XEP-0054 examples: 1966-08-06) and basic (RFC 6350 §4.3.1:
 * 19531015), reduced accuracy (1985-04, 1985), without year (--0415, --04-15, --04) or with only
 * the day (---15), and any of these followed by a time (T...), which is ignored.
 */
export function sregDate(input: string): string | undefined {
  const value = input.trim().split('T')[0]!;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)) || (m = /^(\d{4})(\d{2})(\d{2})$/.exec(value))) return `${m[1]}-${m[2]}-${m[3]}`;
  if ((m = /^(\d{4})-(\d{2})$/.exec(value))) return `${m[1]}-${m[2]}-00`;
  if ((m = /^(\d{4})$/.exec(value))) return `${m[1]}-00-00`;
  if ((m = /^--(\d{2})-?(\d{2})$/.exec(value))) return `0000-${m[1]}-${m[2]}`;
  if ((m = /^--(\d{2})$/.exec(value))) return `0000-${m[1]}-00`;
  if ((m = /^---(\d{2})$/.exec(value))) return `0000-00-${m[1]}`;
  return undefined;
}

/**
 * BCP 47 tag in its conventional case (RFC 5646 §2.1.1: language lower, region upper; tags are
 * case-insensitive), with the common `fr_FR` spelling accepted.
 */
export function languageTag(input: string): string | undefined {
  const parts = input.trim().replace(/_/g, '-').split('-');
  if (parts.some((p) => p === '')) return undefined;
  return parts.map((p, i) => (i === 0 ? p.toLowerCase() : p.length === 2 ? p.toUpperCase() : p.length === 4 ? p[0]!.toUpperCase() + p.slice(1).toLowerCase() : p.toLowerCase())).join('-');
}

// ISO 3166-1 alpha-2 codes that Unicode CLDR names but ISO has not assigned to a country:
// user-assigned (AA, QM-QZ, XA-XZ, ZZ), exceptionally reserved (AC, CP, DG, EA, EU, EZ, FX, IC,
// TA, UK, UN) and transitionally reserved or withdrawn (AN, BU, CS, DD, NT, SU, TP, YD, YU, ZR).
const NOT_ASSIGNED = new Set(['AA', 'AC', 'AN', 'BU', 'CP', 'CS', 'DD', 'DG', 'EA', 'EU', 'EZ', 'FX', 'IC', 'NT', 'SU', 'TA', 'TP', 'UK', 'UN', 'YD', 'YU', 'ZR', 'ZZ']);
function isUserAssigned(code: string): boolean {
  return code === 'AA' || code === 'ZZ' || (code[0] === 'Q' && code[1]! >= 'M') || code[0] === 'X';
}

// Country names are matched in these languages (the most common ones of European XMPP users);
// a name that two codes share in any of them is ambiguous and dropped.
const NAME_LOCALES = ['en', 'fr', 'de', 'es', 'it', 'pt', 'nl', 'sv', 'da', 'nb', 'fi', 'pl', 'cs', 'ru'];
// Everyday spellings CLDR does not list.
const NAME_ALIASES: Readonly<Record<string, string>> = { usa: 'US', 'u s a': 'US', 'united states of america': 'US', uk: 'GB', 'great britain': 'GB' };
// Names people use for more than one country even where CLDR gives them to one ("Congo" is the
// Republic of the Congo in ISO 3166, but just as often meant for the Democratic Republic).
const AMBIGUOUS_NAMES = ['congo', 'korea', 'guinea republic', 'virgin islands'];

let countryNames: Map<string, string | null> | undefined;
let countryCodes: ReadonlySet<string> | undefined;

/** Assigned codes: the two-letter regions CLDR names, minus NOT_ASSIGNED (computed once). */
function assignedCodes(): ReadonlySet<string> {
  if (countryCodes) return countryCodes;
  const namer = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const codes = new Set<string>();
  for (let a = 65; a <= 90; a += 1) {
    for (let b = 65; b <= 90; b += 1) {
      const code = String.fromCharCode(a, b);
      if (NOT_ASSIGNED.has(code) || isUserAssigned(code)) continue;
      if (namer.of(code) !== undefined) codes.add(code);
    }
  }
  countryCodes = codes;
  return codes;
}

function nameKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function names(): Map<string, string | null> {
  if (countryNames) return countryNames;
  const map = new Map<string, string | null>();
  const add = (name: string | undefined, code: string) => {
    if (name === undefined) return;
    const key = nameKey(name);
    if (key === '') return;
    const known = map.get(key);
    map.set(key, known === undefined || known === code ? code : null);
  };
  const codes = assignedCodes();
  for (const locale of NAME_LOCALES) {
    for (const style of ['long', 'short'] as const) {
      const namer = new Intl.DisplayNames([locale], { type: 'region', style, fallback: 'none' });
      for (const code of codes) add(namer.of(code), code);
    }
  }
  for (const [alias, code] of Object.entries(NAME_ALIASES)) map.set(alias, code);
  for (const name of AMBIGUOUS_NAMES) map.set(name, null);
  countryNames = map;
  return map;
}

/**
 * ISO 3166-1 alpha-2 code for what a vCard's country holds: an assigned two-letter code as is,
 * or a country name that names exactly one country in one of NAME_LOCALES. Anything else
 * (alpha-3 codes, regions, typos, ambiguous names) is undefined: better no country than a wrong one.
 */
export function countryCode(input: string): string | undefined {
  const value = input.trim();
  if (value.length === 0 || value.length > 100) return undefined;
  if (/^[A-Za-z]{2}$/.test(value)) {
    const code = value.toUpperCase();
    if (code === 'UK') return 'GB';
    return assignedCodes().has(code) ? code : undefined;
  }
  return names().get(nameKey(value)) ?? undefined;
}

/** What is stored of a vCard: its SReg-format values, and N when it has one (AX first/last name). */
export function vcardValues(vcard: VcardProfile): VcardValues {
  const { given, family } = vcard.name;
  return given === undefined && family === undefined ? { ...vcard.values } : { ...vcard.values, name: { given, family } };
}
