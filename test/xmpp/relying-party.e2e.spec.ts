import openid from 'openid';
import { Browser, LOOPBACK_RP_REALM, publishReturnTo, startProvider, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { authenticate, extensions, verify, type RelyingParty } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';
import { clientAddress, storeVcards } from './accounts-helpers.js';
import { startProsody, type Prosody } from './prosody.js';

// End to end with the npm `openid` relying party: a Prosody user of an `accounts: xmpp` domain
// signs in with the XMPP password through the login form, and the RP receives the e-mail address
// of their vCard over SReg and AX, refreshed at each sign-in.

const PASSWORD = 'thus-with-a-kiss';
const vcard = (email: string) => `<vCard xmlns="vcard-temp"><FN>Romeo Montague</FN><EMAIL><INTERNET/><USERID>${email}</USERID></EMAIL></vCard>`;

describe('XMPP accounts with a real relying party (Prosody)', () => {
  let prosody: Prosody;
  let op: LiveProvider;
  let site: RelyingPartySite;
  const romeo = { user: uniqueName('romeo'), password: PASSWORD };

  beforeAll(async () => {
    prosody = await startProsody({ accounts: [romeo] });
    await storeVcards(prosody, romeo, { vcardTemp: vcard('romeo@verona.example') });
    // Trusted proxy: each Browser forwards a client address of its own (throttle rows are per address).
    // LOOPBACK_RP_REALM + publishReturnTo: "always allow" answers by itself only for a return_to
    // the RP's discovery vouches for (OpenID 2.0 §9.2.1).
    op = await startProvider({ server: { trusted_proxies: ['127.0.0.1'] }, realm: LOOPBACK_RP_REALM }, { accounts: 'xmpp', xmpp: { server: prosody.c2s, ca_file: prosody.caFile, timeout: '5s' } });
    site = await startRelyingPartySite();
    publishReturnTo(site);
  }, 60_000);

  afterAll(async () => {
    await site?.close();
    await op?.close();
    await prosody?.dispose();
  });

  function rp(requested: unknown[]): RelyingParty {
    return new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, false, false, requested as never[]);
  }

  /** Follows the RP's redirect, signs in with the XMPP password if asked, and answers the consent page if shown. */
  async function signIn(browser: Browser, url: string, decision: 'allow_once' | 'allow_always'): Promise<{ consent?: BrowserResponse; final: BrowserResponse }> {
    let page = await browser.follow(url, op.base);
    if (page.status === 200 && page.body.includes('name="password"')) page = await browser.follow('', op.base, await browser.submit(page, { username: romeo.user, password: PASSWORD }));
    if (!(page.status === 200 && page.body.includes('name="decision"'))) return { final: page };
    const form = new URLSearchParams();
    for (const m of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.append(m[1]!, m[2]!);
    form.append('decision', decision);
    form.append('release', 'email');
    return { consent: page, final: await browser.request('POST', `${op.base}/consent`, form) };
  }

  const both = () => [new extensions.SimpleRegistration({ email: 'required' }), new extensions.AttributeExchange({ 'http://axschema.org/contact/email': 'required' })];

  it("signs in by XMPP password; the RP receives the vCard's e-mail over SReg and AX, signed", async () => {
    const relyingParty = rp(both());
    const browser = new Browser({ 'x-forwarded-for': clientAddress() });
    const { consent, final } = await signIn(browser, await authenticate(relyingParty, op.identifier(romeo.user)), 'allow_always');
    expect(consent!.body).toContain('<span class="value">romeo@verona.example</span>');
    expect([302, 303]).toContain(final.status);
    const url = String(final.headers.location);
    const params = new URL(url).searchParams;
    expect(params.get('openid.sreg.email')).toBe('romeo@verona.example');
    const axAlias = [...params.keys()].find((k) => k.startsWith('openid.ax.type.') && params.get(k) === 'http://axschema.org/contact/email')!.slice('openid.ax.type.'.length);
    expect(params.get(`openid.ax.value.${axAlias}`)).toBe('romeo@verona.example');
    const signed = params.get('openid.signed')!.split(',');
    expect(signed).toEqual(expect.arrayContaining(['sreg.email', `ax.value.${axAlias}`]));
    const { result, error } = await verify(relyingParty, url);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ authenticated: true, claimedIdentifier: op.identifier(romeo.user), email: 'romeo@verona.example' });
  });

  it('refreshes the vCard at every sign-in: a trusted site then gets the new address without a page', async () => {
    await storeVcards(prosody, romeo, { vcardTemp: vcard('romeo@mantua.example') });
    const relyingParty = rp(both());
    // A new browser: a new sign-in, which reads the vCard again; "always allow" from before skips consent.
    const { consent, final } = await signIn(new Browser({ 'x-forwarded-for': clientAddress() }), await authenticate(relyingParty, op.identifier(romeo.user)), 'allow_once');
    expect(consent).toBeUndefined();
    const url = String(final.headers.location);
    expect(new URL(url).searchParams.get('openid.sreg.email')).toBe('romeo@mantua.example');
    const { result } = await verify(relyingParty, url);
    expect(result).toMatchObject({ authenticated: true, email: 'romeo@mantua.example' });
  });

  it("sends AX first and last name from the vCard's N, with the vCard's full name", async () => {
    const card = '<vCard xmlns="vcard-temp"><FN>Romeo Montague</FN><N><FAMILY>Montague</FAMILY><GIVEN>Romeo</GIVEN></N></vCard>';
    await storeVcards(prosody, romeo, { vcardTemp: card });
    const relyingParty = rp([
      new extensions.AttributeExchange({ 'http://axschema.org/namePerson': 'required', 'http://axschema.org/namePerson/first': 'required', 'http://axschema.org/namePerson/last': 'required' }),
    ]);
    const browser = new Browser({ 'x-forwarded-for': clientAddress() });
    let page = await browser.follow(await authenticate(relyingParty, op.identifier(romeo.user)), op.base);
    page = await browser.follow('', op.base, await browser.submit(page, { username: romeo.user, password: PASSWORD }));
    // One consent row, the full name: its parts go with it.
    expect(page.body).toContain('<span class="value">Romeo Montague</span>');
    const form = new URLSearchParams();
    for (const m of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.append(m[1]!, m[2]!);
    form.append('decision', 'allow_once');
    form.append('release', 'fullname');
    const final = await browser.request('POST', `${op.base}/consent`, form);
    const url = String(final.headers.location);
    const params = new URL(url).searchParams;
    const value = (type: string): string | null => {
      const alias = [...params.keys()].find((k) => k.startsWith('openid.ax.type.') && params.get(k) === type)!.slice('openid.ax.type.'.length);
      return params.get(`openid.ax.value.${alias}`);
    };
    expect(value('http://axschema.org/namePerson')).toBe('Romeo Montague');
    expect(value('http://axschema.org/namePerson/first')).toBe('Romeo');
    expect(value('http://axschema.org/namePerson/last')).toBe('Montague');
    const { result, error } = await verify(relyingParty, url);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ authenticated: true, fullname: 'Romeo Montague', firstname: 'Romeo', lastname: 'Montague' });
  });
});
