import { BadRequest } from '../http/app-error.js';
import type { Profile, ProfileField } from './user.entity.js';

// Profile values are validated on the way in, in the formats Simple Registration 1.1 §4 sends
// them, so that whatever is later released to an RP is already well-formed.

export class InvalidProfileField extends BadRequest {
  constructor(
    readonly field: ProfileField,
    reason: string,
  ) {
    super('invalid_profile_field', 'Invalid profile field', `${field}: ${reason}`);
  }
}

/** How each field is named to people (consent page, identity page). */
export const PROFILE_LABELS: Readonly<Record<ProfileField, string>> = {
  nickname: 'Nickname',
  email: 'E-mail address',
  fullname: 'Full name',
  dob: 'Date of birth',
  gender: 'Gender',
  postcode: 'Postcode',
  country: 'Country',
  language: 'Language',
  timezone: 'Time zone',
};

/** Input hints for the profile form. */
export const PROFILE_HINTS: Readonly<Partial<Record<ProfileField, string>>> = {
  dob: 'YYYY-MM-DD, 00 for unknown parts',
  gender: 'M or F',
  country: 'two-letter code, e.g. FR',
  language: 'e.g. en or en-GB',
  timezone: 'e.g. Europe/Paris',
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
};

// Deliberately permissive local part, strict shape: one @, a dotted domain, no spaces or controls.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/u;

function checkField(field: ProfileField, raw: string): string {
  const value = raw.normalize('NFC').trim();
  if (value.length === 0) throw new InvalidProfileField(field, 'is empty');
  if (value.length > PROFILE_MAX_LENGTH[field]) throw new InvalidProfileField(field, `is longer than ${PROFILE_MAX_LENGTH[field]} characters`);
  if (/\p{Cc}/u.test(value)) throw new InvalidProfileField(field, 'contains control characters');
  switch (field) {
    case 'email':
      if (!EMAIL.test(value)) throw new InvalidProfileField(field, 'is not an e-mail address');
      return value;
    case 'dob': {
      // SReg 1.1 §4: YYYY-MM-DD, "any values whose representation uses fewer than the specified
      // number of digits should be zero-padded", unknown components are zero.
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!m) throw new InvalidProfileField(field, 'must be YYYY-MM-DD (use 00 for unknown parts)');
      const [month, day] = [Number(m[2]), Number(m[3])];
      if (month > 12 || day > 31) throw new InvalidProfileField(field, 'is not a calendar date');
      if (month !== 0 && day !== 0) {
        const d = new Date(Date.UTC(Number(m[1]), month - 1, day));
        if (d.getUTCMonth() !== month - 1) throw new InvalidProfileField(field, 'is not a calendar date');
      }
      return value;
    }
    case 'gender': {
      // SReg 1.1 §4: "M" or "F".
      const g = value.toUpperCase();
      if (g !== 'M' && g !== 'F') throw new InvalidProfileField(field, 'must be M or F');
      return g;
    }
    case 'country': {
      // SReg 1.1 §4: ISO 3166 two-letter code.
      const c = value.toUpperCase();
      if (!/^[A-Z]{2}$/.test(c)) throw new InvalidProfileField(field, 'must be an ISO 3166-1 alpha-2 code such as FR');
      return c;
    }
    case 'language':
      // SReg 1.1 §4: ISO 639 code; a region subtag (en-GB) is accepted as RPs commonly expect.
      if (!/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/.test(value)) throw new InvalidProfileField(field, 'must be an ISO 639 code such as en or en-GB');
      return value;
    case 'timezone':
      // SReg 1.1 §4: a zoneinfo name such as Europe/Paris.
      if (!isTimeZone(value)) throw new InvalidProfileField(field, 'must be an IANA time zone such as Europe/Paris');
      return value;
    default:
      return value;
  }
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
