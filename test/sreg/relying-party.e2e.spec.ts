import openid from 'openid';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, LOOPBACK_RP_REALM, publishReturnTo, type BrowserResponse } from '../helpers/live.js';
import { authenticate, extensions, usePeers, verify, type RelyingParty } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';

// Attributes end to end with the npm `openid` relying party: SReg and AX in 2.0, SReg in 1.1,
// exactly what the user allowed, always signed, and PAPE.

const PASSWORD = 'wherefore art thou';
const PROFILE = { email: 'juliet@capulet.lit', nickname: 'jules', fullname: 'Juliet Capulet', country: 'IT' };

describe('attributes with a real relying party', () => {
  // "Always allow" answers by itself only for a return_to the RP's discovery vouches for (§9.2.1).
  const peers = usePeers({ realm: LOOPBACK_RP_REALM });
  beforeAll(() => publishReturnTo(peers.site, [`${peers.site.origin}/`]));

  async function newUser(): Promise<string> {
    const name = uniqueName('juliet');
    const users = peers.op.app.get(UsersService);
    await users.create({ domain: 'localhost', username: name, password: PASSWORD, ...PROFILE });
    await users.setReleaseDefaults('localhost', name, ['email']);
    return name;
  }

  function rp(requested: unknown[], stateless = false, returnPath = '/verify'): RelyingParty {
    return new openid.RelyingParty(`${peers.site.origin}${returnPath}`, `${peers.site.origin}/`, stateless, false, requested as never[]);
  }

  /** Logs in if asked, then answers the consent page with `decision` and the ticked fields. */
  async function signIn(browser: Browser, url: string, name: string, decision: string | null, release?: string[]): Promise<{ consent?: BrowserResponse; final: BrowserResponse }> {
    let page = await browser.follow(url, peers.op.base);
    if (page.status === 200 && page.body.includes('name="password"')) page = await browser.follow('', peers.op.base, await browser.submit(page, { username: name, password: PASSWORD }));
    if (!(page.status === 200 && page.body.includes('name="decision"'))) return { final: page };
    const consent = page;
    const form = new URLSearchParams();
    for (const m of consent.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.append(m[1]!, m[2]!);
    form.append('decision', decision ?? 'allow_once');
    const ticked = release ?? [...consent.body.matchAll(/name="release" value="([a-z]+)" checked/g)].map((m) => m[1]!);
    for (const f of ticked) form.append('release', f);
    return { consent, final: await browser.request('POST', `${peers.op.base}/consent`, form) };
  }

  function back(res: BrowserResponse): string {
    expect([302, 303]).toContain(res.status);
    return String(res.headers.location);
  }

  it('releases exactly the SReg fields the user ticked, under the RP\'s alias, all signed', async () => {
    const name = await newUser();
    const relyingParty = rp([new extensions.SimpleRegistration({ email: 'required', nickname: true, fullname: true, dob: true })]);
    const { consent, final } = await signIn(new Browser(), await authenticate(relyingParty, peers.op.identifier(name)), name, 'allow_once', ['email', 'fullname']);
    // The consent page shows what would be sent, required first, preset from the user's defaults.
    expect(consent!.body).toContain('E-mail address <strong>(required by the site)</strong>: <span class="value">juliet@capulet.lit</span>');
    expect(consent!.body).toContain('<input type="checkbox" name="release" value="email" checked>');
    expect(consent!.body).toContain('<input type="checkbox" name="release" value="nickname">');
    expect(consent!.body).toContain('Date of birth: <span class="meta">not in your profile</span>');
    const url = back(final);
    const params = new URL(url).searchParams;
    expect(params.get('openid.ns.sreg')).toBe('http://openid.net/extensions/sreg/1.1');
    expect(params.get('openid.sreg.email')).toBe('juliet@capulet.lit');
    expect(params.get('openid.sreg.fullname')).toBe('Juliet Capulet');
    expect(params.get('openid.sreg.nickname')).toBeNull();
    expect(params.get('openid.sreg.dob')).toBeNull();
    // OpenID 2.0 §10.1: every field we send is signed, extensions included.
    const signed = params.get('openid.signed')!.split(',');
    for (const key of params.keys()) if (key.startsWith('openid.') && key !== 'openid.sig') expect(signed, key).toContain(key.slice(7));
    const { result } = await verify(relyingParty, url);
    expect(result).toMatchObject({ authenticated: true, email: 'juliet@capulet.lit', fullname: 'Juliet Capulet' });
    expect(result).not.toHaveProperty('nickname');
  });

  it('ticks a required field for a new user: Allow on the untouched page sends it, signed', async () => {
    // A user who never chose "share by default": before, nothing was ticked and sites that
    // require an e-mail address received none.
    const name = uniqueName('nurse');
    await peers.op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD, ...PROFILE });
    const relyingParty = rp([new extensions.SimpleRegistration({ email: 'required', nickname: true })]);
    const { consent, final } = await signIn(new Browser(), await authenticate(relyingParty, peers.op.identifier(name)), name, 'allow_once');
    expect(consent!.body).toContain('E-mail address <strong>(required by the site)</strong>: <span class="value">juliet@capulet.lit</span>');
    expect(consent!.body).toContain('<input type="checkbox" name="release" value="email" checked>');
    // Optional fields follow the user's defaults: none.
    expect(consent!.body).toContain('<input type="checkbox" name="release" value="nickname">');
    const url = back(final);
    const params = new URL(url).searchParams;
    expect(params.get('openid.sreg.email')).toBe('juliet@capulet.lit');
    expect(params.get('openid.sreg.nickname')).toBeNull();
    expect(params.get('openid.signed')!.split(',')).toContain('sreg.email');
    const { result } = await verify(relyingParty, url);
    expect(result).toMatchObject({ authenticated: true, email: 'juliet@capulet.lit' });
    expect(result).not.toHaveProperty('nickname');
  });

  it('keeps an earlier "do not send" for a required field of the same realm', async () => {
    const name = uniqueName('nurse');
    await peers.op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD, ...PROFILE });
    const browser = new Browser();
    const emailOnly = rp([new extensions.SimpleRegistration({ email: 'required' })]);
    // Always allow, with the required e-mail address unticked.
    const first = await signIn(browser, await authenticate(emailOnly, peers.op.identifier(name)), name, 'allow_always', []);
    expect(new URL(back(first.final)).searchParams.get('openid.sreg.email')).toBeNull();
    // The site now also requires the full name: asked again, e-mail still unticked, full name ticked.
    const more = rp([new extensions.SimpleRegistration({ email: 'required', fullname: 'required' })]);
    const again = await signIn(browser, await authenticate(more, peers.op.identifier(name)), name, 'allow_once');
    expect(again.consent!.body).toContain('<input type="checkbox" name="release" value="email">');
    expect(again.consent!.body).toContain('<input type="checkbox" name="release" value="fullname" checked>');
    const params = new URL(back(again.final)).searchParams;
    expect(params.get('openid.sreg.email')).toBeNull();
    expect(params.get('openid.sreg.fullname')).toBe('Juliet Capulet');
  });

  it('answers AX fetch_request in the dialect asked, signed, read back by the RP library', async () => {
    const name = await newUser();
    const ax = new extensions.AttributeExchange({ 'http://axschema.org/contact/email': 'required', 'http://axschema.org/namePerson/friendly': 'required', 'http://schema.openid.net/namePerson': 'optional' });
    const relyingParty = rp([ax], true);
    const { final } = await signIn(new Browser(), await authenticate(relyingParty, peers.op.identifier(name)), name, 'allow_once', ['email', 'nickname', 'fullname']);
    const url = back(final);
    const params = new URL(url).searchParams;
    expect(params.get('openid.ns.ax')).toBe('http://openid.net/srv/ax/1.0');
    expect(params.get('openid.ax.mode')).toBe('fetch_response');
    const { result } = await verify(relyingParty, url);
    // The library names axschema.org attributes and keeps other dialects under their type URI.
    expect(result).toMatchObject({ authenticated: true, email: 'juliet@capulet.lit', nickname: 'jules', 'http://schema.openid.net/namePerson': 'Juliet Capulet' });
  });

  it('sends the phone number over AX contact/phone/default in E.164, as ticked and remembered, never over SReg', async () => {
    const name = await newUser();
    await peers.op.app.get(UsersService).updateProfile('localhost', name, { phone: '+39 045 123 4567' });
    const AX_PHONE = 'http://axschema.org/contact/phone/default';
    const AX_PHONE_OPENID_NET = 'http://openid.net/schema/contact/phone/default';
    const relyingParty = rp([new extensions.SimpleRegistration({ email: 'required' }), new extensions.AttributeExchange({ [AX_PHONE]: 'required', [AX_PHONE_OPENID_NET]: 'optional' })], true);
    // An RP that also names "phone" in SReg (SReg 1.1 §4 has no such field): an unknown name.
    const asking = async (): Promise<string> => {
      const url = new URL(await authenticate(relyingParty, peers.op.identifier(name)));
      url.searchParams.set('openid.sreg.optional', 'phone,nickname');
      return url.href;
    };
    const phoneKeys = (params: URLSearchParams) => [...params].filter(([key, value]) => /phone/.test(key) || value.includes('390451234567'));

    // Unticked: nothing about the number leaves, in any extension.
    const browser = new Browser();
    const refused = await signIn(browser, await asking(), name, 'allow_once', ['email']);
    expect(refused.consent!.body).toContain('Phone number <strong>(required by the site)</strong>: <span class="value">+390451234567</span>');
    expect(refused.consent!.body).toContain('<input type="checkbox" name="release" value="phone" checked>');
    const refusedParams = new URL(back(refused.final)).searchParams;
    expect(refusedParams.get('openid.sreg.email')).toBe('juliet@capulet.lit');
    expect(phoneKeys(refusedParams)).toEqual([]);
    const withheld = (await verify(relyingParty, back(refused.final))).result!;
    expect(withheld).toMatchObject({ authenticated: true, email: 'juliet@capulet.lit' });
    expect(withheld).not.toHaveProperty(AX_PHONE);

    // Ticked and always allowed: AX carries it in both dialects asked, signed; SReg never.
    const allowed = await signIn(browser, await asking(), name, 'allow_always', ['email', 'phone']);
    const url = back(allowed.final);
    const params = new URL(url).searchParams;
    expect([...params.keys()].filter((key) => key.startsWith('openid.sreg.'))).toEqual(['openid.sreg.email']);
    const axValues = [...params].filter(([key, value]) => /^openid\.[^.]+\.value\./.test(key) && value === '+390451234567');
    expect(axValues).toHaveLength(2);
    const signed = params.get('openid.signed')!.split(',');
    for (const [key] of axValues) expect(signed).toContain(key.slice('openid.'.length));
    expect((await verify(relyingParty, url)).result).toMatchObject({ authenticated: true, email: 'juliet@capulet.lit', [AX_PHONE]: '+390451234567', [AX_PHONE_OPENID_NET]: '+390451234567' });

    // "Always allow" remembered the release: no page, the number again.
    const silent = await signIn(browser, await asking(), name, null);
    expect(silent.consent).toBeUndefined();
    expect((await verify(relyingParty, back(silent.final))).result).toMatchObject({ authenticated: true, [AX_PHONE]: '+390451234567' });
  });

  it('fails verification when a signed extension field is stripped or changed', async () => {
    const name = await newUser();
    const relyingParty = rp([new extensions.SimpleRegistration({ email: 'required' })], true);
    const url = back((await signIn(new Browser(), await authenticate(relyingParty, peers.op.identifier(name)), name, 'allow_once', ['email'])).final);
    const stripped = new URL(url);
    stripped.searchParams.delete('openid.sreg.email');
    expect((await verify(relyingParty, stripped.toString())).result?.authenticated).not.toBe(true);
    // The library now remembers the nonce; ask the provider directly (what any stateless RP does).
    const ask = async (mutate: (p: URLSearchParams) => void): Promise<string> => {
      const p = new URL(url).searchParams;
      p.set('openid.mode', 'check_authentication');
      mutate(p);
      return (await new Browser().request('POST', peers.op.endpoint, p, { accept: '*/*' })).body;
    };
    expect(await ask((p) => p.set('openid.sreg.email', 'romeo@montague.lit'))).toBe('ns:http://specs.openid.net/auth/2.0\nis_valid:false\n');
    expect(await ask(() => undefined)).toBe('ns:http://specs.openid.net/auth/2.0\nis_valid:true\n');
  });

  it('remembers the release with "always", and asks again when the RP wants a new field', async () => {
    const name = await newUser();
    const browser = new Browser();
    const emailOnly = rp([new extensions.SimpleRegistration({ email: 'required' })]);
    back((await signIn(browser, await authenticate(emailOnly, peers.op.identifier(name)), name, 'allow_always', ['email'])).final);
    const silent = await signIn(browser, await authenticate(emailOnly, peers.op.identifier(name)), name, null);
    expect(silent.consent).toBeUndefined();
    expect(new URL(back(silent.final)).searchParams.get('openid.sreg.email')).toBe('juliet@capulet.lit');
    const more = rp([new extensions.SimpleRegistration({ email: 'required', nickname: 'required' })]);
    const asked = await signIn(browser, await authenticate(more, peers.op.identifier(name)), name, 'allow_once', ['email']);
    expect(asked.consent).toBeDefined();
    const params = new URL(back(asked.final)).searchParams;
    // The user refused a required field: the RP gets what the user allowed, never more.
    expect(params.get('openid.sreg.email')).toBe('juliet@capulet.lit');
    expect(params.get('openid.sreg.nickname')).toBeNull();
  });

  it('POSTs a long attribute response with the auto-submitting form, every field signed', async () => {
    const name = await newUser();
    await peers.op.app.get(UsersService).updateProfile('localhost', name, { fullname: `Juliet ${'Capulet '.repeat(30)}`.trim() });
    const longPath = `/verify?state=${'s'.repeat(1200)}`;
    const relyingParty = rp([new extensions.AttributeExchange({ 'http://axschema.org/namePerson': 'required', 'http://axschema.org/contact/email': 'required' })], true, longPath);
    const { final } = await signIn(new Browser(), await authenticate(relyingParty, peers.op.identifier(name)), name, 'allow_once', ['fullname', 'email']);
    expect(final.status).toBe(200);
    expect(final.body).toContain(`<form id="openid-response" method="post" action="${peers.site.origin}${longPath}">`);
    const fields = Object.fromEntries([...final.body.matchAll(/<input type="hidden" name="(openid\.[^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    expect(Object.values(fields)).toContain(`Juliet ${'Capulet '.repeat(30)}`.trim());
    const signed = fields['openid.signed']!.split(',');
    for (const key of Object.keys(fields)) if (key !== 'openid.sig') expect(signed, key).toContain(key.slice(7));
    // The RP receives the POST: verify the same fields through check_authentication.
    const url = `${peers.site.origin}${longPath}&${new URLSearchParams(Object.entries(fields).filter(([k]) => k !== 'state'))}`;
    expect((await verify(relyingParty, url)).result?.authenticated).toBe(true);
  });

  it('reports PAPE auth_time and forces a fresh login past max_auth_age', async () => {
    const name = await newUser();
    const browser = new Browser();
    const plain = rp([new extensions.PAPE({ max_auth_age: 3600 })]);
    const first = await signIn(browser, await authenticate(plain, peers.op.identifier(name)), name, 'allow_always');
    const params = new URL(back(first.final)).searchParams;
    expect(params.get('openid.pape.auth_policies')).toBe('http://schemas.openid.net/pape/policies/2007/06/none');
    const authTime = Date.parse(params.get('openid.pape.auth_time')!);
    expect(Math.abs(Date.now() - authTime)).toBeLessThan(10_000);
    expect(params.get('openid.pape.auth_time')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    await new Promise((r) => setTimeout(r, 1100));
    const strict = rp([new extensions.PAPE({ max_auth_age: 0 })]);
    const page = await browser.follow(await authenticate(strict, peers.op.identifier(name)), peers.op.base);
    expect(page.body).toContain('name="password"'); // signed in, but not recently enough
  });

  it('answers SReg to an OpenID 1.1 RP with the bare sreg alias', async () => {
    const name = await newUser();
    peers.site.routes.set(`/${name}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head>\n<link rel="openid.server" href="${peers.op.endpoint}">\n<link rel="openid.delegate" href="${peers.op.identifier(name)}">\n</head></html>`);
    });
    const relyingParty = rp([new extensions.SimpleRegistration({ email: 'required', nickname: true })]);
    const url = await authenticate(relyingParty, `${peers.site.origin}/${name}`);
    expect(new URL(url).searchParams.get('openid.ns')).toBeNull();
    const params = new URL(back((await signIn(new Browser(), url, name, 'allow_once', ['email'])).final)).searchParams;
    expect(params.get('openid.ns')).toBeNull();
    expect(params.get('openid.sreg.email')).toBe('juliet@capulet.lit');
    expect(params.get('openid.signed')!.split(',')).toContain('sreg.email');
    expect((await verify(relyingParty, back((await signIn(new Browser(), await authenticate(relyingParty, `${peers.site.origin}/${name}`), name, 'allow_once', ['email'])).final))).result).toMatchObject({
      authenticated: true,
      email: 'juliet@capulet.lit',
    });
  });
});
