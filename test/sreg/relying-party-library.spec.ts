import openid from 'openid';
import { parseOpenIdMessage } from '../../src/protocol/message.js';
import { parseAttributeRequest } from '../../src/sreg/attribute-request.js';
import { buildAttributeResponse } from '../../src/sreg/attribute-response.js';
import { assertionPairs, requestPairs } from './helpers.js';

// The contract with a real relying-party library: what the npm `openid` package's extension
// classes put in a request is what we parse, and what we answer is what their fillResult reads
// back (node_modules/openid/openid.js: SimpleRegistration, AttributeExchange, PAPE).

/** The part of node-openid's extension classes this contract relies on (untyped in @types/openid). */
interface RpExtension {
  readonly requestParams: Record<string, string>;
  fillResult(params: Record<string, string>, result: Record<string, unknown>): void;
}
type ExtensionClass = new (options: Record<string, unknown>) => RpExtension;
const library = openid as unknown as { SimpleRegistration: ExtensionClass; AttributeExchange: ExtensionClass; PAPE: ExtensionClass };

const AUTH_TIME = new Date('2025-03-04T05:06:07.890Z');

function roundTrip(extensions: RpExtension[], released: Record<string, string>) {
  // Values as they travel in a URL (node-openid's PAPE keeps max_auth_age as a number).
  const params = Object.fromEntries(extensions.flatMap((extension) => Object.entries(extension.requestParams)).map(([key, value]) => [key, String(value)]));
  const message = parseOpenIdMessage(requestPairs({ version: '2.0', params }));
  const request = parseAttributeRequest(message);
  const response = Object.fromEntries(assertionPairs(message, buildAttributeResponse(request, released, { authTime: AUTH_TIME, policies: [] })));
  const result: Record<string, unknown> = {};
  for (const extension of extensions) extension.fillResult(response, result);
  return { request, response, result };
}

describe('npm openid (node-openid) relying party extensions', () => {
  it('SimpleRegistration: parses its request and reads our SReg 1.1 response back', () => {
    const sreg = new library.SimpleRegistration({ nickname: true, email: 'required', fullname: true });
    expect(sreg.requestParams).toEqual({
      'openid.ns.sreg': 'http://openid.net/extensions/sreg/1.1',
      'openid.sreg.required': 'email',
      'openid.sreg.optional': 'nickname,fullname',
    });
    const { request, response, result } = roundTrip([sreg], { email: 'alice@example.org', nickname: 'alice', dob: '1980-05-17' });
    expect(request.fields).toEqual([
      { field: 'nickname', required: false, sources: ['sreg'] },
      { field: 'email', required: true, sources: ['sreg'] },
      { field: 'fullname', required: false, sources: ['sreg'] },
    ]);
    expect(result).toEqual({ nickname: 'alice', email: 'alice@example.org' });
    expect(response['openid.sreg.dob']).toBeUndefined();
  });

  it('AttributeExchange: parses its fetch_request and reads our fetch_response back as strings', () => {
    const ax = new library.AttributeExchange({
      'http://axschema.org/contact/email': 'required',
      'http://axschema.org/namePerson/friendly': 'required',
    });
    expect(ax.requestParams).toEqual({
      'openid.ns.ax': 'http://openid.net/srv/ax/1.0',
      'openid.ax.mode': 'fetch_request',
      'openid.ax.type.email': 'http://axschema.org/contact/email',
      'openid.ax.type.nickname': 'http://axschema.org/namePerson/friendly',
      'openid.ax.required': 'email,nickname',
    });
    const { request, response, result } = roundTrip([ax], { email: 'alice@example.org', nickname: 'alice' });
    expect(request.ax?.attributes.map(({ alias, field, required }) => [alias, field, required])).toEqual([
      ['email', 'email', true],
      ['nickname', 'nickname', true],
    ]);
    expect(response['openid.ax.value.email']).toBe('alice@example.org');
    // No count asked, so plain values: the application gets strings, not arrays.
    expect(result).toEqual({
      email: 'alice@example.org',
      'http://axschema.org/contact/email': 'alice@example.org',
      nickname: 'alice',
      'http://axschema.org/namePerson/friendly': 'alice',
    });
  });

  it('AttributeExchange: an unreleased attribute is simply absent for the application', () => {
    const ax = new library.AttributeExchange({ 'http://axschema.org/contact/email': 'required', 'http://axschema.org/namePerson/friendly': true });
    const { result } = roundTrip([ax], { nickname: 'alice' });
    expect(result).toEqual({ nickname: 'alice', 'http://axschema.org/namePerson/friendly': 'alice' });
  });

  it('AttributeExchange.fillResult: with a count asked (alias ext1), values come back numbered, as arrays', () => {
    const ax = new library.AttributeExchange({});
    const params = {
      'openid.ns.ext1': 'http://openid.net/srv/ax/1.0',
      'openid.ext1.mode': 'fetch_request',
      'openid.ext1.type.email': 'http://axschema.org/contact/email',
      'openid.ext1.count.email': 'unlimited',
      'openid.ext1.type.nickname': 'http://axschema.org/namePerson/friendly',
      'openid.ext1.count.nickname': '2',
      'openid.ext1.required': 'email,nickname',
    };
    const message = parseOpenIdMessage(requestPairs({ version: '2.0', params }));
    const extensions = buildAttributeResponse(parseAttributeRequest(message), { email: 'alice@example.org' }, { authTime: AUTH_TIME, policies: [] });
    const response = Object.fromEntries(assertionPairs(message, extensions));
    expect(response['openid.ext1.value.email.1']).toBe('alice@example.org');
    expect(response['openid.ext1.count.nickname']).toBe('0');
    const result: Record<string, unknown> = {};
    ax.fillResult(response, result);
    expect(result).toEqual({ email: ['alice@example.org'], 'http://axschema.org/contact/email': ['alice@example.org'] });
  });

  it('all three together (SReg, AX, PAPE), as an RP configured with every extension sends them', () => {
    const extensions = [
      new library.SimpleRegistration({ email: 'required', timezone: true }),
      new library.AttributeExchange({ 'http://axschema.org/contact/email': 'required', 'http://axschema.org/namePerson': true }),
      new library.PAPE({ max_auth_age: 300, preferred_auth_policies: 'phishing-resistant' }),
    ];
    const { request, result } = roundTrip(extensions, { email: 'alice@example.org', timezone: 'Europe/Paris', fullname: 'Alice Liddell' });
    expect(request.pape).toEqual({ maxAuthAge: 300, preferredPolicies: ['http://schemas.openid.net/pape/policies/2007/06/phishing-resistant'] });
    expect(result).toEqual({
      email: 'alice@example.org',
      timezone: 'Europe/Paris',
      'http://axschema.org/contact/email': 'alice@example.org',
      fullname: 'Alice Liddell',
      'http://axschema.org/namePerson': 'Alice Liddell',
      // node-openid shortens the PAPE 1.0 §5.2 "none" policy URI to "none".
      auth_policies: 'none',
      auth_time: '2025-03-04T05:06:07Z',
    });
  });
});
