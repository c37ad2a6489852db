import type { ProfileValues } from '../sreg/profile-source.js';
import { E164 } from '../users/profile.js';
import type { ProfileField } from './contracts.js';

// Our profile fields (the SReg/AX ones and the phone number, src/users/profile.ts) as OpenID Connect claims
// (OpenID Connect Core 1.0 §5.1 names and formats), by the scope that asks for them (§5.4). Pure
// functions: the consent page asks for the fields of the requested scopes, the grant records the
// ones the person did not release, and findAccount releases exactly the others.

type Scope = 'profile' | 'email' | 'address' | 'phone';

interface FieldClaim {
  readonly scope: Scope;
  readonly claim: string;
  /** Claims that go with this one, and only with it: released with it, rejected with it. */
  readonly companions?: Readonly<Record<string, unknown>>;
}

/** Where each field goes: its scope and claim (an address part is a member of `address`, §5.1.1). */
export const FIELD_CLAIMS: Readonly<Record<ProfileField, FieldClaim>> = {
  fullname: { scope: 'profile', claim: 'name' }, // §5.1 name: full name in displayable form
  nickname: { scope: 'profile', claim: 'nickname' }, // §5.1 nickname: casual name
  dob: { scope: 'profile', claim: 'birthdate' }, // §5.1 birthdate: YYYY-MM-DD, 0000 year, or YYYY
  gender: { scope: 'profile', claim: 'gender' }, // §5.1 gender: "female", "male" or other
  language: { scope: 'profile', claim: 'locale' }, // §5.1 locale: a BCP47 language tag
  timezone: { scope: 'profile', claim: 'zoneinfo' }, // §5.1 zoneinfo: an IANA time zone name
  email: { scope: 'email', claim: 'email' }, // §5.1 email (email_verified never: nothing verifies it)
  postcode: { scope: 'address', claim: 'address.postal_code' }, // §5.1.1 postal_code
  country: { scope: 'address', claim: 'address.country' }, // §5.1.1 country (an ISO 3166 code)
  // §5.1 phone_number: "E.164 is RECOMMENDED", which is how the profile holds it. §5.1
  // phone_number_verified: "true if ... verified; otherwise false": nothing verifies the number
  // (the person types it, or it comes from their vCard), so it is false, and only beside it.
  phone: { scope: 'phone', claim: 'phone_number', companions: { phone_number_verified: false } },
};

/** The profile fields the scopes of a request ask for, in the consent page's order. */
export function fieldsForScopes(scopes: Iterable<string>): ProfileField[] {
  const asked = new Set(scopes);
  return (Object.keys(FIELD_CLAIMS) as ProfileField[]).filter((f) => asked.has(FIELD_CLAIMS[f].scope));
}

/**
 * The claims a grant rejects for the fields not released: the claim itself, or for an address
 * part its `address.*` name (oidc-provider stores rejected names as given, and passes them to
 * findAccount's claims(), which leaves that part out).
 */
export function rejectedClaims(asked: readonly ProfileField[], released: ReadonlySet<ProfileField>): string[] {
  return asked.filter((f) => !released.has(f)).flatMap((f) => [FIELD_CLAIMS[f].claim, ...Object.keys(FIELD_CLAIMS[f].companions ?? {})]);
}

/** §5.1 birthdate from our YYYY-MM-DD with 00 for unknown parts (SReg's format). */
export function birthdate(dob: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dob);
  if (!m) return undefined;
  const [, year, month, day] = m;
  // "To represent only the year, YYYY format is allowed"; "The year MAY be 0000, indicating that it was omitted".
  if (month === '00' || day === '00') return year === '0000' ? undefined : year;
  return `${year}-${month}-${day}`;
}

/** The claims of `profile` minus the `rejected` ones; oidc-provider then keeps those of the granted scopes. */
export function profileClaims(profile: ProfileValues, rejected: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const refused = new Set(rejected);
  const address: Record<string, string> = {};
  for (const [field, { claim, companions }] of Object.entries(FIELD_CLAIMS) as [ProfileField, FieldClaim][]) {
    const raw = profile[field];
    if (raw === undefined || refused.has(claim)) continue;
    const value = claimValue(field, raw);
    if (value === undefined) continue;
    if (claim.startsWith('address.')) address[claim.slice('address.'.length)] = value;
    else out[claim] = value;
    for (const [name, companion] of Object.entries(companions ?? {})) if (!refused.has(name)) out[name] = companion;
  }
  if (Object.keys(address).length > 0 && !refused.has('address')) out['address'] = address;
  return out;
}

function claimValue(field: ProfileField, raw: string): string | undefined {
  switch (field) {
    case 'dob':
      return birthdate(raw);
    case 'gender':
      // SReg's M/F; §5.1 defines "female" and "male".
      return raw === 'F' ? 'female' : raw === 'M' ? 'male' : undefined;
    case 'phone':
      // The profile's E.164 form (validated on input, vCard numbers included); anything else is not sent.
      return E164.test(raw) ? raw : undefined;
    default:
      return raw;
  }
}
