// Our attribute vocabulary and how it is spelled on the wire.
//
// The vocabulary is a user's profile (src/users/user.entity.ts): the nine Simple Registration
// fields (SReg 1.0/1.1 §4), and the phone number, which SReg does not define and so never sends
// (SReg 1.1 §4: "all included fields MUST be taken from the set of fields defined in this
// specification"); Attribute Exchange and OpenID Connect do. Attribute Exchange (AX 1.0 §3.2)
// names attributes by type URI, and relying parties in the wild use three dialects for the same
// attributes:
//
//   http://axschema.org/...        the schema AX 1.0 §2 points to ([OpenID.axschema])
//   http://schema.openid.net/...   the same paths on another host (Google's and myOpenID's RPs)
//   http://openid.net/schema/...   "OpenID Attribute Properties List 1.0 - Draft 01", with its own
//                                  paths (contact/internet/email, gender, language/pref, ...).
//                                  DotNetOpenAuth RPs build this dialect by string replacement
//                                  from axschema.org paths (AXAttributeFormats.OpenIdNetSchema),
//                                  so those spellings are accepted too.
//
// Type URIs are compared exactly (AX 1.0 §3.2: an attribute type identifier is a URI; no
// normalisation is defined), so every spelling seen in deployed RPs is listed.
//
// namePerson/first and namePerson/last are never split out of a full name (culture-dependent:
// family name first, several given names, particles such as "van der"): they come from a
// structured source, the vCard's N (XEP-0054 N/GIVEN, N/FAMILY; RFC 6350 §6.2.2), and only with
// the vCard's own full name. They belong to the fullname field: consent and release are that
// field's. Without N they are answered like any value we do not have (AX 1.0 §5.2).

import { E164 } from '../users/profile.js';
import { PROFILE_FIELDS, SREG_FIELDS, type NameParts, type ProfileField, type SregField } from '../users/user.entity.js';

/** Our attribute vocabulary: the SReg 1.1 §4 field names, in the specification's order, then the phone number. */
export const ATTRIBUTE_FIELDS: readonly ProfileField[] = PROFILE_FIELDS;

/** The fields Simple Registration may ask for and be sent (SReg 1.1 §4): no phone number. */
export const SREG_ATTRIBUTE_FIELDS: readonly SregField[] = SREG_FIELDS;

export type AxDialect = 'axschema.org' | 'schema.openid.net' | 'openid.net/schema';

export interface AxAttributeType {
  readonly typeUri: string;
  readonly field: ProfileField;
  readonly dialect: AxDialect;
  /** AX value from the SReg-format value (already checked by sregValue); undefined = nothing to send. */
  readonly format: (sregFormatted: string) => string | undefined;
  /** A part of the field's value, from the structured name (namePerson/first, /last). */
  readonly part?: keyof NameParts;
}

const AXSCHEMA_ORG = 'http://axschema.org/';
const SCHEMA_OPENID_NET = 'http://schema.openid.net/';
const OPENID_NET_SCHEMA = 'http://openid.net/schema/';

// SReg 1.1 §4 and the axschema.org types agree for these: free text, RFC 2822 address, "M"/"F",
// ISO 3166 alpha-2, ISO 639 / RFC 4646 language tag, zoneinfo name.
const same = (value: string): string | undefined => value;

const DOB = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * axschema.org birthDate is an xs:date ("1979-01-01"), which cannot express SReg 1.1 §4's zeroed
 * unknown components ("1980-00-00"): a partial date of birth is not sent as birthDate.
 */
function birthDate(dob: string): string | undefined {
  const m = DOB.exec(dob);
  if (!m || m[1] === '0000' || m[2] === '00' || m[3] === '00') return undefined;
  return dob;
}

// Components: year as four digits; month and day as two digits, as DotNetOpenAuth's examples
// ("05", "31") show (the lists' "1-12" descriptions read the same number). Unknown (zero)
// components are not sent.
function birthComponent(index: 1 | 2 | 3): (dob: string) => string | undefined {
  return (dob) => {
    const part = DOB.exec(dob)?.[index];
    return part === undefined || /^0+$/.test(part) ? undefined : part;
  };
}

type Paths = ReadonlyArray<readonly [string, ProfileField, AxAttributeType['format']?, AxAttributeType['part']?]>;

/** Paths shared by axschema.org and schema.openid.net. */
const AXSCHEMA_PATHS: Paths = [
  ['namePerson/friendly', 'nickname'],
  ['contact/email', 'email'],
  ['namePerson', 'fullname'],
  ['namePerson/first', 'fullname', same, 'given'],
  ['namePerson/last', 'fullname', same, 'family'],
  ['birthDate', 'dob', birthDate],
  ['birthDate/birthYear', 'dob', birthComponent(1)],
  ['birthDate/birthMonth', 'dob', birthComponent(2)],
  ['birthDate/birthday', 'dob', birthComponent(3)],
  ['person/gender', 'gender'],
  ['contact/postalCode/home', 'postcode'],
  ['contact/country/home', 'country'],
  ['pref/language', 'language'],
  ['pref/timezone', 'timezone'],
  // axschema.org contact/phone/default, "Main phone number (preferred)". Its siblings /home,
  // /business, /cell and /fax ask for one kind of number, and we do not know which kind ours is.
  ['contact/phone/default', 'phone'],
];

/** openid.net/schema: the Attribute Properties List paths first, then DotNetOpenAuth spellings. */
const OPENID_NET_SCHEMA_PATHS: Paths = [
  ['namePerson/friendly', 'nickname'],
  ['contact/internet/email', 'email'],
  ['namePerson/first', 'fullname', same, 'given'],
  ['namePerson/last', 'fullname', same, 'family'],
  ['birthDate/birthYear', 'dob', birthComponent(1)],
  ['birthDate/birthMonth', 'dob', birthComponent(2)],
  ['birthDate/birthday', 'dob', birthComponent(3)],
  ['gender', 'gender'],
  ['contact/postalcode/home', 'postcode'],
  ['contact/country/home', 'country'],
  ['language/pref', 'language'],
  ['timezone', 'timezone'],
  // The Attribute Properties List's contact/phone/default: the same path as axschema.org's, so
  // DotNetOpenAuth's spelling of it is this one too.
  ['contact/phone/default', 'phone'],
  // axschema.org paths moved to this host (DotNetOpenAuth; SimpleID's postalCode spelling).
  ['contact/email', 'email'],
  ['namePerson', 'fullname'],
  ['birthDate', 'dob', birthDate],
  ['person/gender', 'gender'],
  ['contact/postalCode/home', 'postcode'],
  ['pref/language', 'language'],
  ['pref/timezone', 'timezone'],
];

function dialect(base: string, name: AxDialect, paths: Paths): AxAttributeType[] {
  return paths.map(([path, field, format, part]) => ({ typeUri: base + path, field, dialect: name, format: format ?? same, ...(part ? { part } : {}) }));
}

/** Every AX type URI we can answer, in all three dialects. */
export const AX_ATTRIBUTE_TYPES: readonly AxAttributeType[] = Object.freeze([
  ...dialect(AXSCHEMA_ORG, 'axschema.org', AXSCHEMA_PATHS),
  ...dialect(SCHEMA_OPENID_NET, 'schema.openid.net', AXSCHEMA_PATHS),
  ...dialect(OPENID_NET_SCHEMA, 'openid.net/schema', OPENID_NET_SCHEMA_PATHS),
]);

const BY_TYPE_URI: ReadonlyMap<string, AxAttributeType> = new Map(AX_ATTRIBUTE_TYPES.map((t) => [t.typeUri, t]));

/** The AX attribute type for a type URI (exact match), or undefined when we do not serve it. */
export function axAttributeType(typeUri: string): AxAttributeType | undefined {
  return BY_TYPE_URI.get(typeUri);
}

/** Our field for an AX type URI, or undefined for an attribute we do not serve. */
export function fieldForTypeUri(typeUri: string): ProfileField | undefined {
  return BY_TYPE_URI.get(typeUri)?.field;
}

/** Whether `name` is a Simple Registration field (SReg 1.1 §4): never the phone number. */
export function isSregField(name: string): name is SregField {
  return (SREG_ATTRIBUTE_FIELDS as readonly string[]).includes(name);
}

// OpenID 2.0 §4.1.1: a Key-Value Form value MUST NOT contain a newline, and the assertion is
// signed over its Key-Value Form (§6.1); AX 1.0 §3.3 repeats the rule for attribute values. Other
// control characters have no business in a profile value either.
const CONTROL = /[\p{Cc}]/u;
const ASCII_PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * A profile value in its SReg 1.1 §4 format (the phone number, which SReg lacks, in E.164 for AX),
 * or undefined when the value cannot be sent as such (empty, control characters, wrong shape). Profile values are validated on the way in
 * (src/users/profile.ts); this is the last check before they are signed and sent, for sources
 * that are not (a vCard, later).
 */
export function sregValue(field: ProfileField, raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const value = raw.normalize('NFC').trim();
  if (value.length === 0 || CONTROL.test(value)) return undefined;
  switch (field) {
    case 'dob':
      // SReg 1.1 §4: YYYY-MM-DD, zero-padded, "The length of this value MUST always be 10",
      // unrevealed components set to zero.
      return DOB.test(value) ? value : undefined;
    case 'gender': {
      // SReg 1.1 §4: "M" for male, "F" for female.
      const g = value.toUpperCase();
      return g === 'M' || g === 'F' ? g : undefined;
    }
    case 'country': {
      // SReg 1.1 §4: ISO 3166 (two-letter code).
      const c = value.toUpperCase();
      return /^[A-Z]{2}$/.test(c) ? c : undefined;
    }
    case 'language':
      // SReg 1.1 §4: ISO 639 (an RFC 4646 tag such as en-GB is what RPs and axschema expect).
      return /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(value) ? value : undefined;
    case 'timezone':
      // SReg 1.1 §4: "ASCII string from TimeZone database", e.g. "Europe/Paris".
      return ASCII_PRINTABLE.test(value) ? value : undefined;
    case 'phone':
      // ITU-T E.164, "+" and the digits (src/users/profile.ts), as OpenID Connect Core 1.0 §5.1
      // recommends for phone_number: AX sends what OpenID Connect does.
      return E164.test(value) ? value : undefined;
    default:
      // nickname, fullname, postcode: UTF-8 free text; email: RFC 2822 §3.4.1 (validated on input).
      return value;
  }
}

/** The AX value for a type URI from a raw profile value, or undefined when nothing is sent. */
export function axValue(typeUri: string, raw: string | null | undefined, nameParts?: NameParts): string | undefined {
  const type = BY_TYPE_URI.get(typeUri);
  if (!type) return undefined;
  // A part goes only where its whole is released (raw is the field's released value).
  if (type.part) return sregValue(type.field, raw) === undefined ? undefined : sregValue(type.field, nameParts?.[type.part]);
  const formatted = sregValue(type.field, raw);
  return formatted === undefined ? undefined : type.format(formatted);
}
