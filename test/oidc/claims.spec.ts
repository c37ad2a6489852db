import * as client from 'openid-client';
import { birthdate, fieldsForScopes, profileClaims, rejectedClaims } from '../../src/oidc/claims.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, type BrowserResponse, decodeEntities, startProvider, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';

// Claims (OpenID Connect Core 1.0 §5.1, §5.4) from the same profile fields as SReg/AX, released
// under the consent page's per-field choices: userinfo returns exactly what was released.

describe('profile fields as claims (vectors)', () => {
  it('writes birthdate as §5.1 says: YYYY-MM-DD, YYYY alone for a partial date, nothing without a year', () => {
    expect(birthdate('1990-04-23')).toBe('1990-04-23');
    expect(birthdate('0000-04-23')).toBe('0000-04-23');
    expect(birthdate('1990-00-00')).toBe('1990');
    expect(birthdate('1990-04-00')).toBe('1990');
    expect(birthdate('0000-00-00')).toBeUndefined();
    expect(birthdate('23/04/1990')).toBeUndefined();
  });

  it('maps every field to its claim and leaves out the rejected ones, address parts included', () => {
    const profile = { fullname: 'Juliet Capulet', nickname: 'jules', dob: '1990-04-23', gender: 'F', language: 'it', timezone: 'Europe/Rome', email: 'j@example.org', postcode: '37121', country: 'IT' };
    expect(profileClaims(profile, [])).toEqual({
      name: 'Juliet Capulet',
      nickname: 'jules',
      birthdate: '1990-04-23',
      gender: 'female',
      locale: 'it',
      zoneinfo: 'Europe/Rome',
      email: 'j@example.org',
      address: { postal_code: '37121', country: 'IT' },
    });
    expect(profileClaims(profile, ['name', 'address.postal_code', 'email'])).toEqual({
      nickname: 'jules',
      birthdate: '1990-04-23',
      gender: 'female',
      locale: 'it',
      zoneinfo: 'Europe/Rome',
      address: { country: 'IT' },
    });
    expect(profileClaims({ postcode: '37121' }, ['address.postal_code'])).toEqual({});
  });

  it('sends phone_number in E.164 with phone_number_verified false beside it only (§5.1: nothing verifies it)', () => {
    expect(profileClaims({ phone: '+390451234567' }, [])).toEqual({ phone_number: '+390451234567', phone_number_verified: false });
    expect(profileClaims({ phone: '+390451234567' }, rejectedClaims(['phone'], new Set()))).toEqual({});
    expect(profileClaims({}, [])).toEqual({});
    // Not E.164 (a value from before validation, or a hand-edited row): not sent, nor its companion.
    expect(profileClaims({ phone: '045 123 4567' }, [])).toEqual({});
  });

  it('asks for the fields of the requested scopes only', () => {
    expect(fieldsForScopes(['openid', 'email'])).toEqual(['email']);
    expect(fieldsForScopes(['openid', 'address'])).toEqual(['postcode', 'country']);
    expect(rejectedClaims(['postcode', 'country', 'email'], new Set(['country']))).toEqual(['address.postal_code', 'email']);
    expect(fieldsForScopes(['openid', 'phone'])).toEqual(['phone']);
    expect(fieldsForScopes(['openid', 'profile'])).not.toContain('phone');
    expect(rejectedClaims(['phone', 'email'], new Set(['email']))).toEqual(['phone_number', 'phone_number_verified']);
  });
});

describe('claims released over a real sign-in', () => {
  const PASSWORD = 'so sweet a sorrow';
  const REDIRECT = 'http://127.0.0.1:9/callback';
  let op: LiveProvider;
  let config: client.Configuration;
  let username: string;
  let userId: string;

  beforeAll(async () => {
    op = await startProvider({ oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: [REDIRECT] }] } });
    username = uniqueName('juliet');
    const user = await op.app.get(UsersService).create({
      domain: 'localhost',
      username,
      password: PASSWORD,
      fullname: 'Juliet Capulet',
      email: 'juliet@example.org',
      dob: '1990-04-23',
      gender: 'F',
      postcode: '37121',
      country: 'IT',
      phone: '+39 045 123 4567',
    });
    userId = user.id;
    config = await client.discovery(new URL(op.base), 'spa', undefined, client.None());
  });
  afterAll(async () => {
    await op?.close();
  });

  async function consentWith(browser: Browser, page: BrowserResponse, release: string[]): Promise<BrowserResponse> {
    const csrf = decodeEntities(/name="csrf" value="([^"]*)"/.exec(page.body)![1]!);
    const action = decodeEntities(/<form method="post" action="([^"]*)"/.exec(page.body)![1]!);
    const form = new URLSearchParams({ csrf, decision: 'allow_once' });
    for (const field of release) form.append('release', field);
    return browser.follow('', op.base, await browser.request('POST', new URL(action, op.base).href, form));
  }

  /** An authorization request for `scope`, signed in: the consent page, and how to finish with tokens. */
  async function consentPageFor(scope: string): Promise<{ browser: Browser; page: BrowserResponse; tokens: (answer: BrowserResponse) => Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> }> {
    const browser = new Browser();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    let page = await browser.follow(url.href, op.base);
    page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
    return { browser, page, tokens: (answer) => client.authorizationCodeGrant(config, new URL(String(answer.headers.location)), { pkceCodeVerifier: verifier, expectedState: state }) };
  }

  it('releases the phone number for the phone scope when ticked: phone_number in E.164, phone_number_verified false (Core §5.1, §5.4)', async () => {
    const { browser, page, tokens } = await consentPageFor('openid phone');
    expect(page.body).toContain('Your phone number');
    expect(page.body).toContain('Phone number: <span class="value">+390451234567</span>');
    const answer = await tokens(await consentWith(browser, page, ['phone']));
    // Core §5.4: scope claims go to userinfo; the code flow's ID token has the openid scope's only.
    expect(answer.claims()!['phone_number']).toBeUndefined();
    expect(await client.fetchUserInfo(config, answer.access_token, userId)).toEqual({ sub: userId, phone_number: '+390451234567', phone_number_verified: false });
  });

  it('leaves the phone number out when unticked, and when the phone scope was not asked', async () => {
    const unticked = await consentPageFor('openid phone email');
    const refused = await unticked.tokens(await consentWith(unticked.browser, unticked.page, ['email']));
    expect(await client.fetchUserInfo(config, refused.access_token, userId)).toEqual({ sub: userId, email: 'juliet@example.org' });
    const other = await consentPageFor('openid email');
    expect(other.page.body).not.toContain('Phone number');
    // A posted "phone" for a scope nobody asked for releases nothing.
    const notAsked = await other.tokens(await consentWith(other.browser, other.page, ['email', 'phone']));
    expect(await client.fetchUserInfo(config, notAsked.access_token, userId)).toEqual({ sub: userId, email: 'juliet@example.org' });
  });

  it('releases exactly the ticked fields at userinfo; the ID token carries none of them (Core §5.4)', async () => {
    const { browser, page, tokens: tokensFor } = await consentPageFor('openid profile email address');
    // The consent page names the client and shows the SReg labels and values of the asked fields.
    expect(page.body).toContain('Single-page app');
    expect(page.body).toContain('<code>spa</code>');
    for (const text of ['Full name', 'Juliet Capulet', 'E-mail address', 'juliet@example.org', 'Postcode', '37121', 'Country', 'Date of birth']) expect(page.body).toContain(text);
    const answer = await consentWith(browser, page, ['fullname', 'country', 'gender']);
    const tokens = await tokensFor(answer);
    const idClaims = tokens.claims()!;
    for (const claim of ['name', 'email', 'address', 'gender', 'birthdate', 'phone_number']) expect(idClaims[claim]).toBeUndefined();
    // The phone scope was not asked: the person's number stays out although the profile has one.
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, userId);
    expect(userinfo).toEqual({ sub: userId, name: 'Juliet Capulet', gender: 'female', address: { country: 'IT' } });
  });
});
