import { presetRelease } from '../../src/auth/consent/consent.service.js';
import type { TrustGrant } from '../../src/realm/trust-grant.entity.js';
import type { ConsentRow } from '../../src/sreg/attribute.service.js';

// Which consent checkboxes start ticked (issue 8, 5c).

const row = (field: ConsentRow['field'], required: boolean, value: string | undefined = 'x'): ConsentRow => ({ field, required, value, label: field });
const noValue = (field: ConsentRow['field'], required: boolean): ConsentRow => ({ field, required, value: undefined, label: field });
const grant = (fields: string[], askedFields: string[]): TrustGrant => ({ fields, askedFields }) as TrustGrant;

describe(presetRelease.name, () => {
  it.each([
    ['a required field asked for the first time', row('email', true), [], null, true],
    ['a required field asked for the first time, grant for other fields', row('email', true), [], grant([], ['nickname']), true],
    ['a required field released to this realm before', row('email', true), [], grant(['email'], ['email']), true],
    ['a required field this realm asked before and the user did not send', row('email', true), ['email'], grant([], ['email']), false],
    ['an optional field the user shares by default', row('nickname', false), ['nickname'], null, true],
    ['an optional field the user does not share by default', row('nickname', false), [], null, false],
    ['an optional field released to this realm before', row('nickname', false), [], grant(['nickname'], ['nickname']), true],
    ['a required field with no value in the profile', noValue('email', true), ['email'], null, false],
  ] as const)('%s', (_title, r, defaults, g, expected) => {
    expect(presetRelease(r, defaults, g)).toBe(expected);
  });
});
