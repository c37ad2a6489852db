import { InvalidRequest } from '../../src/protocol/errors.js';
import { maxAuthAgeExceeded, parseAttributeRequest, updateUrlAllowed, type AttributeRequest } from '../../src/sreg/attribute-request.js';
import { loadVectors, requestMessage, thrownBy, type RequestInput } from './helpers.js';

interface ParseCase {
  title: string;
  input: RequestInput;
  expected: AttributeRequest;
}
interface ErrorCase {
  title: string;
  input: RequestInput;
  error: string;
  message: string;
}
const vectors = loadVectors<{ parse: ParseCase[]; errors: ErrorCase[] }>('parse');

describe('parseAttributeRequest (SReg 1.0/1.1 §3, AX 1.0 §5.1/§6.1, PAPE 1.0 §5.1)', () => {
  it.each(vectors.parse.map((v) => [v.title, v] as const))('%s', (_title, { input, expected }) => {
    // toEqual: absent optional properties in the vector match `undefined` ones (e.g. count, field).
    expect(parseAttributeRequest(requestMessage(input))).toEqual(expected);
  });

  it.each(vectors.errors.map((v) => [v.title, v] as const))('refuses: %s', (_title, { input, error, message }) => {
    const thrown = thrownBy(() => parseAttributeRequest(requestMessage(input)));
    expect(thrown.name).toBe(error);
    expect(thrown).toBeInstanceOf(InvalidRequest);
    expect(thrown.message).toContain(message);
    // Extension errors may travel to the verified return_to as openid.mode=error (OpenID 2.0 §5.2.3).
    expect((thrown as InvalidRequest).allowRedirect).toBe(true);
  });
});

describe('updateUrlAllowed (AX 1.0 §5.1: update_url MUST match the realm, OpenID 2.0 §9.2 rules)', () => {
  it.each([
    ['AX 1.0 §5.1 example under its own realm', 'http://idconsumer.com/update?transaction_id=a6b5c41', 'http://idconsumer.com/', true],
    ['§9.2 wildcard realm covers a subdomain', 'https://www.rp.example.com/ax-update', 'https://*.rp.example.com/', true],
    ['§9.2 path below the realm path', 'https://rp.example.com/app/update', 'https://rp.example.com/app', true],
    ['§9.2 different host', 'https://evil.example.net/update', 'https://rp.example.com/', false],
    ['§9.2 different scheme', 'http://rp.example.com/update', 'https://rp.example.com/', false],
    ['§9.2 path outside the realm path ("/appx" is not below "/app")', 'https://rp.example.com/appx/update', 'https://rp.example.com/app', false],
    ['not a URL', 'update-me', 'https://rp.example.com/', false],
    ['unparsable realm', 'https://rp.example.com/update', 'rp.example.com', false],
  ])('%s', (_title, updateUrl, realm, allowed) => {
    expect(updateUrlAllowed(updateUrl, realm)).toBe(allowed);
  });
});

describe('maxAuthAgeExceeded (PAPE 1.0 §5.1 max_auth_age)', () => {
  const withPape = (maxAuthAge?: number): AttributeRequest => ({ fields: [], pape: { preferredPolicies: [], ...(maxAuthAge !== undefined && { maxAuthAge }) } });
  const authTime = new Date('2025-03-04T05:00:00Z');
  it.each([
    ['no PAPE request', { fields: [] } as AttributeRequest, '2030-01-01T00:00:00Z', false],
    ['PAPE without max_auth_age', withPape(), '2030-01-01T00:00:00Z', false],
    ['authenticated exactly max_auth_age seconds ago', withPape(3600), '2025-03-04T06:00:00Z', false],
    ['one second too old', withPape(3600), '2025-03-04T06:00:01Z', true],
    ['max_auth_age=0 and authenticated this second', withPape(0), '2025-03-04T05:00:00.900Z', false],
    ['max_auth_age=0 and authenticated a second ago', withPape(0), '2025-03-04T05:00:01Z', true],
  ])('%s', (_title, request, now, exceeded) => {
    expect(maxAuthAgeExceeded(request, authTime, new Date(now))).toBe(exceeded);
  });
});

describe('AX alias lists at the size caps', () => {
  it('keeps each of 200 types once however often a 16 KiB required list repeats them', () => {
    const params: Record<string, string> = { 'openid.ns.ax': 'http://openid.net/srv/ax/1.0', 'openid.ax.mode': 'fetch_request' };
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}`);
    for (const alias of aliases) params[`openid.ax.type.${alias}`] = `https://example.org/attr/${alias}`;
    let list = '';
    while (list.length < 16 * 1024 - 8) list += `${aliases[(list.length * 7) % aliases.length]},`;
    params['openid.ax.required'] = list.slice(0, 16 * 1024 - 1);
    const started = performance.now();
    const parsed = parseAttributeRequest(requestMessage({ version: '2.0', params }));
    expect(parsed.ax?.attributes).toHaveLength(200);
    expect(parsed.ax?.attributes.filter((a) => a.required).length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
