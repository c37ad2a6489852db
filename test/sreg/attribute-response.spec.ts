import { NS_AX_1_0, NS_PAPE_1_0, NS_SREG_1_1 } from '../../src/protocol/consts.js';
import { parseAttributeRequest } from '../../src/sreg/attribute-request.js';
import { buildAttributeResponse, papeTimestamp, type PapeFacts, type ReleasedValues } from '../../src/sreg/attribute-response.js';
import { AX_ATTRIBUTE_TYPES, ATTRIBUTE_FIELDS, axValue, sregValue } from '../../src/sreg/attributes.js';
import type { ProfileField } from '../../src/users/user.entity.js';
import { assertionPairs, extensionPairs, loadVectors, requestMessage, type RequestInput } from './helpers.js';

interface ResponseCase {
  title: string;
  input: { request: RequestInput; released: ReleasedValues; pape?: { authTime: string; policies: string[] } };
  expected: Array<[string, string]>;
}
const vectors = loadVectors<{ response: ResponseCase[] }>('response');

const DEFAULT_PAPE: PapeFacts = { authTime: new Date('2025-03-04T05:06:07.890Z'), policies: [] };

describe('buildAttributeResponse (SReg 1.0/1.1 §4, AX 1.0 §5.2/§6.2.2, PAPE 1.0 §5.2)', () => {
  it.each(vectors.response.map((v) => [v.title, v] as const))('%s', (_title, { input, expected }) => {
    const message = requestMessage(input.request);
    const pape = input.pape ? { authTime: new Date(input.pape.authTime), policies: input.pape.policies } : DEFAULT_PAPE;
    const extensions = buildAttributeResponse(parseAttributeRequest(message), input.released, pape);
    // The final message as the checkid flow assembles it (buildMessageFields reuses the RP's aliases).
    expect(extensionPairs(assertionPairs(message, extensions))).toEqual(expected);
  });

  it('returns preferred aliases for namespaces the request did not name (AX and PAPE declared, SReg implied in 2.0)', () => {
    const message = requestMessage({
      version: '2.0',
      params: {
        'openid.sreg.optional': 'email',
        'openid.ns.ext0': NS_AX_1_0,
        'openid.ext0.mode': 'fetch_request',
        'openid.ext0.type.e': 'http://axschema.org/contact/email',
        'openid.ext0.if_available': 'e',
        'openid.ns.ext9': NS_PAPE_1_0,
      },
    });
    const extensions = buildAttributeResponse(parseAttributeRequest(message), { email: 'a@example.org' }, DEFAULT_PAPE);
    expect(extensions.map(({ uri, preferredAlias }) => [uri, preferredAlias])).toEqual([
      [NS_SREG_1_1, 'sreg'],
      [NS_AX_1_0, 'ax'],
      [NS_PAPE_1_0, 'pape'],
    ]);
  });
});

describe('nothing unreleased ever appears', () => {
  // Distinctive values: a leak of any of them would be visible in the response text.
  const profile: Record<ProfileField, string> = {
    nickname: 'nick-9f1',
    email: 'mail-9f2@example.org',
    fullname: 'Full 9f3 Name',
    dob: '1971-02-03',
    gender: 'F',
    postcode: 'PC-9f4',
    country: 'NZ',
    language: 'mi',
    timezone: 'Pacific/Auckland',
    phone: '+6421987654',
  };
  // Every field over SReg (phone too, which SReg does not define and must never send), and every AX
  // type URI we know in all three dialects (half with a count), plus a type we do not serve.
  const params: Record<string, string> = {
    'openid.ns.sreg': NS_SREG_1_1,
    'openid.sreg.optional': ATTRIBUTE_FIELDS.join(','),
    'openid.ns.ax': NS_AX_1_0,
    'openid.ax.mode': 'fetch_request',
    'openid.ax.type.other': 'http://axschema.org/contact/phone/cell',
    'openid.ax.count.other': '1',
  };
  const aliases: string[] = ['other'];
  AX_ATTRIBUTE_TYPES.forEach((type, i) => {
    params[`openid.ax.type.a${i}`] = type.typeUri;
    if (i % 2 === 0) params[`openid.ax.count.a${i}`] = 'unlimited';
    aliases.push(`a${i}`);
  });
  params['openid.ax.if_available'] = aliases.join(',');
  const message = requestMessage({ version: '2.0', params });
  const request = parseAttributeRequest(message);

  it('holds for each of the 1024 subsets of released fields', () => {
    for (let mask = 0; mask < 1 << ATTRIBUTE_FIELDS.length; mask += 1) {
      const releasedFields = ATTRIBUTE_FIELDS.filter((_field, bit) => mask & (1 << bit));
      const released = Object.fromEntries(releasedFields.map((field) => [field, profile[field]])) as ReleasedValues;
      const pairs = extensionPairs(assertionPairs(message, buildAttributeResponse(request, released, DEFAULT_PAPE)));
      const map = new Map(pairs);

      // SReg: exactly the released fields, never the phone number (SReg 1.1 §4: nine fields).
      const sregKeys = pairs.filter(([key]) => key.startsWith('openid.sreg.')).map(([key]) => key.slice('openid.sreg.'.length));
      expect(sregKeys).toEqual(releasedFields.filter((f) => f !== 'phone'));
      expect([...map.values()].filter((value) => value === profile.phone)).toHaveLength(releasedFields.includes('phone') ? 3 : 0);

      // AX: a value exactly for types whose field is released (and that have a value to send),
      // never for the others; a count of 0 where a count was asked and nothing is sent.
      for (const attribute of request.ax!.attributes) {
        const expectedValue = attribute.field && releasedFields.includes(attribute.field) ? axValue(attribute.typeUri, profile[attribute.field]) : undefined;
        const sent = map.get(`openid.ax.value.${attribute.alias}`) ?? map.get(`openid.ax.value.${attribute.alias}.1`);
        expect(sent, `${attribute.typeUri} with ${releasedFields.join(',')}`).toBe(expectedValue);
        if (attribute.count !== undefined) expect(map.get(`openid.ax.count.${attribute.alias}`)).toBe(expectedValue === undefined ? '0' : '1');
      }

      // And no withheld value appears anywhere, in any form.
      const text = pairs.map(([key, value]) => `${key}=${value}`).join('\n');
      for (const field of ATTRIBUTE_FIELDS.filter((f) => !releasedFields.includes(f))) {
        if (field === 'gender' || field === 'country' || field === 'language') continue; // too short to grep
        expect(text, `${field} withheld`).not.toContain(profile[field]);
      }
    }
  });
});

describe('attribute vocabulary (attributes.ts)', () => {
  it.each([
    ['SReg 1.1 §4 gender', 'gender', 'm', 'M'],
    ['SReg 1.1 §4 gender (neither M nor F is withheld)', 'gender', 'x', undefined],
    ['SReg 1.1 §4 country (ISO 3166 alpha-2)', 'country', 'de', 'DE'],
    ['SReg 1.1 §4 country (not a code)', 'country', 'Germany', undefined],
    ['SReg 1.1 §4 dob with unknown components', 'dob', '0000-12-24', '0000-12-24'],
    ['SReg 1.1 §4 timezone (ASCII only)', 'timezone', 'Europe/Zürich', undefined],
    ['SReg 1.1 §4 language (RFC 4646 tag)', 'language', 'pt-BR', 'pt-BR'],
    ['OpenID 2.0 §4.1.1 no newline', 'fullname', 'Alice\nBob', undefined],
    ['empty after trimming', 'nickname', '   ', undefined],
    ['NFC normalised', 'fullname', 'Zoe\u0308', 'Zoë'],
    ['ITU-T E.164 phone', 'phone', '+14255551212', '+14255551212'],
    ['ITU-T E.164 phone (a national number is withheld)', 'phone', '4255551212', undefined],
  ] as const)('%s', (_title, field, raw, expected) => {
    expect(sregValue(field, raw)).toBe(expected);
  });

  it('maps every type URI of the three dialects to one field, each URI once', () => {
    const uris = AX_ATTRIBUTE_TYPES.map((t) => t.typeUri);
    expect(new Set(uris).size).toBe(uris.length);
    for (const field of ATTRIBUTE_FIELDS) {
      for (const base of ['http://axschema.org/', 'http://schema.openid.net/', 'http://openid.net/schema/']) {
        expect(AX_ATTRIBUTE_TYPES.some((t) => t.field === field && t.typeUri.startsWith(base)), `${field} in ${base}`).toBe(true);
      }
    }
  });

  it.each([
    ['axschema.org birthDate needs a complete date', 'http://axschema.org/birthDate', '1980-00-17', undefined],
    ['birthYear from a partial dob', 'http://axschema.org/birthDate/birthYear', '1980-00-00', '1980'],
    ['birthYear unknown', 'http://schema.openid.net/birthDate/birthYear', '0000-05-17', undefined],
    ['birthday', 'http://openid.net/schema/birthDate/birthday', '1980-05-07', '07'],
    ['not a type we serve (a kind of number we do not record)', 'http://axschema.org/contact/phone/cell', '+33612345678', undefined],
    ['contact/phone/default in E.164', 'http://axschema.org/contact/phone/default', '+33123456789', '+33123456789'],
    ['contact/phone/default (Attribute Properties List)', 'http://openid.net/schema/contact/phone/default', '+33123456789', '+33123456789'],
    ['contact/phone/default: a formatted value is not sent', 'http://schema.openid.net/contact/phone/default', '+33 1 23 45 67 89', undefined],
  ])('%s', (_title, typeUri, raw, expected) => {
    expect(axValue(typeUri, raw)).toBe(expected);
  });

  it('answers namePerson/first and /last from the structured name only, and only with the full name released', () => {
    const parts = { given: 'Juliet', family: 'Capulet' };
    expect(axValue('http://axschema.org/namePerson/first', 'Juliet Capulet', parts)).toBe('Juliet');
    expect(axValue('http://openid.net/schema/namePerson/last', 'Juliet Capulet', parts)).toBe('Capulet');
    // Never split out of a full name; never sent when the full name is withheld.
    expect(axValue('http://axschema.org/namePerson/first', 'Juliet Capulet')).toBeUndefined();
    expect(axValue('http://axschema.org/namePerson/first', undefined, parts)).toBeUndefined();
    // Validated like the full name (OpenID 2.0 §4.1.1: no newline).
    expect(axValue('http://axschema.org/namePerson/last', 'Juliet Capulet', { family: 'Cap\nulet' })).toBeUndefined();
  });

  it('formats PAPE 1.0 §5.2 auth_time', () => {
    expect(papeTimestamp(new Date('2005-05-15T17:11:51.999Z'))).toBe('2005-05-15T17:11:51Z');
    expect(() => papeTimestamp(new Date('nonsense'))).toThrow(RangeError);
  });
});
