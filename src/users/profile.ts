import { BadRequest } from '../http/app-error.js';
import { text, type Text } from '../i18n/locale.js';
import type { Profile, ProfileField } from './user.entity.js';

// Profile values are validated on the way in, in the formats Simple Registration 1.1 §4 sends
// them (the phone number, which SReg does not have, in the E.164 form OpenID Connect and AX send),
// so that whatever is later released to an RP is already well-formed.

export class InvalidProfileField extends BadRequest {
  constructor(
    readonly field: ProfileField,
    reason: Text,
  ) {
    super('invalid_profile_field', text('errors.invalid_profile_field.title'), text('errors.invalid_profile_field.detail', { field, reason }));
  }
}

/** How each field is named to people (consent pages, identity page), in the reader's language. */
export const PROFILE_LABELS: Readonly<Record<ProfileField, Text>> = {
  nickname: text('account.profile.fields.nickname'),
  email: text('account.profile.fields.email'),
  fullname: text('account.profile.fields.fullname'),
  dob: text('account.profile.fields.dob'),
  gender: text('account.profile.fields.gender'),
  postcode: text('account.profile.fields.postcode'),
  country: text('account.profile.fields.country'),
  language: text('account.profile.fields.language'),
  timezone: text('account.profile.fields.timezone'),
  phone: text('account.profile.fields.phone'),
};

/** Input hints for the profile form. */
export const PROFILE_HINTS: Readonly<Partial<Record<ProfileField, Text>>> = {
  dob: text('account.profile.hints.dob'),
  gender: text('account.profile.hints.gender'),
  country: text('account.profile.hints.country'),
  language: text('account.profile.hints.language'),
  timezone: text('account.profile.hints.timezone'),
  phone: text('account.profile.hints.phone'),
};

/** Longest value of each field: the users table's column lengths (user.entity.ts). */
export const PROFILE_MAX_LENGTH: Readonly<Record<ProfileField, number>> = {
  nickname: 255,
  email: 254,
  fullname: 255,
  dob: 10,
  gender: 1,
  postcode: 32,
  country: 2,
  language: 35,
  timezone: 64,
  // As typed, separators included (the stored E.164 form has at most 16 characters).
  phone: 32,
};

// Deliberately permissive local part, strict shape: one @, a dotted domain, no spaces or controls.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/u;

function checkField(field: ProfileField, raw: string): string {
  const value = raw.normalize('NFC').trim();
  if (value.length === 0) throw new InvalidProfileField(field, text('errors.invalid_profile_field.empty'));
  if (value.length > PROFILE_MAX_LENGTH[field]) throw new InvalidProfileField(field, text('errors.invalid_profile_field.too_long', { max: PROFILE_MAX_LENGTH[field] }));
  if (/\p{Cc}/u.test(value)) throw new InvalidProfileField(field, text('errors.invalid_profile_field.control'));
  switch (field) {
    case 'email':
      if (!EMAIL.test(value)) throw new InvalidProfileField(field, text('errors.invalid_profile_field.email'));
      return value;
    case 'dob': {
      // SReg 1.1 §4: YYYY-MM-DD, "any values whose representation uses fewer than the specified
      // number of digits should be zero-padded", unknown components are zero.
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!m) throw new InvalidProfileField(field, text('errors.invalid_profile_field.dob_form'));
      const [month, day] = [Number(m[2]), Number(m[3])];
      if (month > 12 || day > 31) throw new InvalidProfileField(field, text('errors.invalid_profile_field.dob_date'));
      if (month !== 0 && day !== 0) {
        const d = new Date(Date.UTC(Number(m[1]), month - 1, day));
        if (d.getUTCMonth() !== month - 1) throw new InvalidProfileField(field, text('errors.invalid_profile_field.dob_date'));
      }
      return value;
    }
    case 'gender': {
      // SReg 1.1 §4: "M" or "F".
      const g = value.toUpperCase();
      if (g !== 'M' && g !== 'F') throw new InvalidProfileField(field, text('errors.invalid_profile_field.gender'));
      return g;
    }
    case 'country': {
      // SReg 1.1 §4: ISO 3166 two-letter code.
      const c = value.toUpperCase();
      if (!/^[A-Z]{2}$/.test(c)) throw new InvalidProfileField(field, text('errors.invalid_profile_field.country'));
      return c;
    }
    case 'language':
      // SReg 1.1 §4: ISO 639 code; a region subtag (en-GB) is accepted as RPs commonly expect.
      if (!/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(value)) throw new InvalidProfileField(field, text('errors.invalid_profile_field.language'));
      return value;
    case 'timezone':
      // SReg 1.1 §4: a zoneinfo name such as Europe/Paris.
      if (!isTimeZone(value)) throw new InvalidProfileField(field, text('errors.invalid_profile_field.timezone'));
      return value;
    case 'phone': {
      const phone = e164(value);
      if ('problem' in phone) throw new InvalidProfileField(field, phone.problem);
      return phone.value;
    }
    default:
      return value;
  }
}

/**
 * ITU-T E.164 §6: a number is a country code (never starting with 0) and the national number, 15
 * digits at most; written "+" and the digits, without formatting, as OpenID Connect Core 1.0 §5.1
 * recommends for phone_number. No minimum is set by E.164: seven digits are the shortest numbers
 * in service (Niue's and Tokelau's, +683 and +690 with four).
 */
export const E164 = /^\+[1-9][0-9]{6,14}$/;

// What people put between digits: spaces (E.123 §7.1), RFC 3966's visual separators (- . ( )), the
// slash of old German and Austrian writing, and the dashes and minus a document may turn "-" into.
const PHONE_SEPARATORS = /[ .()/\-\u2010-\u2015\u2212]/g;

/**
 * A phone number as people type it (+1 (425) 555-1212, +33 1 23 45 67 89, +56 (2) 687 2400:
 * OpenID Connect Core 1.0 §5.1's examples), in its E.164 form (+14255551212), or why it is not
 * one. Only the international form can be normalised: a national number (01 23 45 67 89) or an
 * international call prefix (00, 011, 0011 depend on the caller's country) names no country.
 */
function e164(typed: string): { value: string } | { problem: Text } {
  // NFKC: full-width digits, plus sign and parentheses as typed on East Asian keyboards.
  let written = typed.normalize('NFKC').trim();
  // The national trunk prefix some write after the country code, "+44 (0)20 7946 0958": it is not
  // dialled from abroad (ITU-T E.123 §2.5), so it is not part of the E.164 number.
  written = written.replace(/\(\s*0\s*\)/g, ' ');
  const bare = written.replace(PHONE_SEPARATORS, '');
  if (!/^\+?[0-9]*$/.test(bare)) return { problem: text('errors.invalid_profile_field.phone_characters') };
  if (!bare.startsWith('+')) return { problem: text('errors.invalid_profile_field.phone_international') };
  if (bare[1] === '0') return { problem: text('errors.invalid_profile_field.phone_country_code') };
  const digits = bare.length - 1;
  if (digits < 7 || digits > 15) return { problem: text('errors.invalid_profile_field.phone_digits') };
  return E164.test(bare) ? { value: bare } : { problem: text('errors.invalid_profile_field.phone_invalid') };
}

function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z_+\-/0-9]+$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Validates and normalises the given fields; `null` or an empty string clears a field. */
export function validateProfile(input: Partial<Record<ProfileField, string | null | undefined>>): Partial<Profile> {
  const out: Partial<Record<ProfileField, string | null>> = {};
  for (const [field, raw] of Object.entries(input) as [ProfileField, string | null | undefined][]) {
    if (raw === undefined) continue;
    out[field] = raw === null || raw.trim() === '' ? null : checkField(field, raw);
  }
  return out as Partial<Profile>;
}
