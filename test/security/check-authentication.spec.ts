import { randomBytes } from 'node:crypto';
import openid from 'openid';
import { AssociationService } from '../../src/association/association.service.js';
import { formatNonceTime } from '../../src/protocol/nonce.js';
import { computeSignature } from '../../src/protocol/signing.js';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, startProvider, startRelyingPartySite, type BrowserResponse, type LiveProvider, type RelyingPartySite } from '../helpers/live.js';
import { authenticate, extensions, verify } from '../helpers/rp.js';
import { uniqueName } from '../helpers/test-app.js';

// Attacks on the assertion and on check_authentication (OpenID 2.0 §10.1, §11.4, §11.4.2), over
// real HTTPS with the npm `openid` relying party. Forgeries that need the MAC key are made with
// the provider's real private-association key (read from the running app): they prove the rule
// (required fields, nonce window, single use) and not just that an edited message no longer
// matches its signature.

const NS = 'http://specs.openid.net/auth/2.0';
const PASSWORD = 'wherefore art thou';
const IDENTITY_FIELDS = ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle', 'claimed_id', 'identity'] as const;

describe('signature stripping and check_authentication attacks (OpenID 2.0 §10.1, §11.4.2)', () => {
  let op: LiveProvider;
  let site: RelyingPartySite;
  let username: string;
  const browser = new Browser();

  beforeAll(async () => {
    op = await startProvider();
    site = await startRelyingPartySite();
    username = uniqueName('romeo');
    await op.app.get(UsersService).create({ domain: 'localhost', username, password: PASSWORD, email: 'romeo@montague.lit', fullname: 'Romeo Montague', nickname: 'romeo' });
  });
  afterAll(async () => {
    await site?.close();
    await op?.close();
  });

  /** Signs in through the pages (login once, then consent) and answers the id_res URL. */
  async function signIn(url: string): Promise<string> {
    let page: BrowserResponse = await browser.follow(url, op.base);
    if (page.body.includes('name="password"')) page = await browser.follow('', op.base, await browser.submit(page, { username, password: PASSWORD }));
    // SReg email and AX contact/email are both our `email` field.
    if (page.body.includes('name="decision"')) page = await browser.submit(page, { decision: 'allow_once', release: 'email' });
    expect([302, 303]).toContain(page.status);
    const location = String(page.headers.location);
    expect(location.startsWith(`${site.origin}/verify`)).toBe(true);
    return location;
  }

  /** A stateless assertion (private association) with SReg, AX and PAPE, from the RP library. */
  async function statelessAssertion(): Promise<URLSearchParams> {
    const rp = new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, true, false, [
      new extensions.SimpleRegistration({ email: 'required', fullname: 'optional' }),
      new extensions.AttributeExchange({ 'http://axschema.org/contact/email': 'required' }),
      new extensions.PAPE({ max_auth_age: 3600 }),
    ]);
    return new URL(await signIn(await authenticate(rp, op.identifier(username)))).searchParams;
  }

  async function checkAuthentication(params: URLSearchParams | Record<string, string>): Promise<{ status: number; body: string }> {
    const form = new URLSearchParams(params);
    form.set('openid.mode', 'check_authentication');
    const res = await new Browser().request('POST', op.endpoint, form, { accept: '*/*' });
    return { status: res.status, body: res.body };
  }

  /** Re-signs `params` (a private-association assertion) over `signedList` with the provider's real key. */
  async function resign(params: URLSearchParams, signedList: string[]): Promise<URLSearchParams> {
    const handle = params.get('openid.assoc_handle')!;
    const association = (await op.app.get(AssociationService).find(handle, 'private'))!;
    expect(association).toBeDefined();
    const out = new URLSearchParams(params);
    out.set('openid.signed', signedList.join(','));
    const fields = new Map<string, string>([...out].filter(([k]) => k.startsWith('openid.')).map(([k, v]) => [k.slice('openid.'.length), v]));
    fields.set('mode', 'id_res');
    out.set('openid.sig', computeSignature(association.assocType, association.secret, fields, signedList));
    return out;
  }

  const VALID = `ns:${NS}\nis_valid:true\n`;
  const INVALID = `ns:${NS}\nis_valid:false\n`;

  it('signs every field of its own assertions, the §10.1 required ones and every SReg/AX/PAPE field (§10.1, §11.4)', async () => {
    const params = await statelessAssertion();
    const signed = params.get('openid.signed')!.split(',');
    const fields = [...params.keys()].filter((k) => k.startsWith('openid.')).map((k) => k.slice('openid.'.length));
    expect(fields).toEqual(expect.arrayContaining(['sreg.email', 'pape.auth_time', 'ns.sreg', 'ns.ax', 'ns.pape']));
    expect(fields.some((f) => f.startsWith('ax.value.'))).toBe(true);
    for (const field of fields) if (field !== 'sig') expect(signed).toContain(field);
    for (const field of IDENTITY_FIELDS) expect(signed).toContain(field);
    // The RP library agrees (it checks the extension fields are signed).
    const rp = new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, true, false, []);
    expect((await verify(rp, `${site.origin}/verify?${params}`)).result?.authenticated).toBe(true);
  });

  describe('a genuine stateless assertion, tampered', () => {
    let params: URLSearchParams;
    beforeAll(async () => {
      params = await statelessAssertion();
    });

    const without = (list: string[], key: string): string[] => list.filter((k) => k !== key);
    const signedList = (): string[] => params.get('openid.signed')!.split(',');

    it.each([...IDENTITY_FIELDS, 'sreg.email', 'ns.sreg', 'pape.auth_time', 'mode'])('is_valid:false when %s is left out of openid.signed (sig unchanged; §11.4.2.1)', async (field) => {
      const p = new URLSearchParams(params);
      p.set('openid.signed', without(signedList(), field).join(','));
      expect((await checkAuthentication(p)).body).toBe(INVALID);
    });

    it('is_valid:false for an AX value left out of openid.signed (CVE-2011-4314: unsigned AX taken as signed)', async () => {
      const ax = signedList().find((k) => k.startsWith('ax.value.'))!;
      const p = new URLSearchParams(params);
      p.set('openid.signed', without(signedList(), ax).join(','));
      expect((await checkAuthentication(p)).body).toBe(INVALID);
    });

    it('is_valid:false for the signed list reordered (the signature covers the listed order, §6.1)', async () => {
      const p = new URLSearchParams(params);
      p.set('openid.signed', [...signedList()].reverse().join(','));
      expect((await checkAuthentication(p)).body).toBe(INVALID);
    });

    it.each(IDENTITY_FIELDS)('is_valid:false when %s is left out of a list validly re-signed with the real key (§10.1 required fields)', async (field) => {
      expect((await checkAuthentication(await resign(params, without(signedList(), field)))).body).toBe(INVALID);
    });

    it.each(['sreg.email', 'ns.sreg', 'pape.auth_time'])('is_valid:false when %s is present but left out of a list validly re-signed with the real key (we sign every field)', async (field) => {
      expect((await checkAuthentication(await resign(params, without(signedList(), field)))).body).toBe(INVALID);
    });

    it('is_valid:false for an unsigned extension field added to the message (Wang et al., IEEE S&P 2012)', async () => {
      const p = new URLSearchParams(params);
      p.set('openid.sreg.nickname', 'admin');
      expect((await checkAuthentication(p)).body).toBe(INVALID);
      const q = new URLSearchParams(params);
      const alias = signedList().find((k) => k.startsWith('ax.value.'))!.slice('ax.value.'.length);
      q.set(`openid.ax.value.${alias}.1`, 'attacker@evil.example');
      expect((await checkAuthentication(q)).body).toBe(INVALID);
    });

    it.each([
      ['a wrong-length sig (one byte short)', (sig: string) => Buffer.from(sig, 'base64').subarray(1).toString('base64')],
      ['a wrong-length sig (one byte more)', (sig: string) => Buffer.concat([Buffer.from(sig, 'base64'), Buffer.from([0])]).toString('base64')],
      ['an empty sig', () => ''],
      ['a non-base64 sig', () => '!!!!not*base64~~~~'],
      ['the sig without its padding', (sig: string) => sig.replace(/=+$/, '')],
      ['the sig in unpadded base64url', (sig: string) => sig.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
      ['the sig with spaces around it', (sig: string) => ` ${sig} `],
      ['the sig lower-cased', (sig: string) => sig.toLowerCase()],
      ['the sig with one bit flipped', (sig: string) => {
        const bytes = Buffer.from(sig, 'base64');
        bytes[0]! ^= 1;
        return bytes.toString('base64');
      }],
      ['an all-zero sig of the right length', (sig: string) => Buffer.alloc(Buffer.from(sig, 'base64').length).toString('base64')],
    ])('is_valid:false for %s (§11.4.2.1), never a 500', async (_name, mutate) => {
      const p = new URLSearchParams(params);
      const mutated = mutate(params.get('openid.sig')!);
      // A mutation that changed nothing would verify, and burn the assertion for the tests below.
      expect(mutated).not.toBe(params.get('openid.sig'));
      p.set('openid.sig', mutated);
      const res = await checkAuthentication(p);
      expect(res.status === 200 ? res.body : `HTTP ${res.status}`).toBe(INVALID);
    });

    it.each([
      ['older than nonce_window (10 min)', -11 * 60],
      ['an hour old', -3600],
      ['more than the allowed skew in the future', 5 * 60],
      ['a day in the future', 86_400],
    ])('is_valid:false for a response_nonce %s, validly re-signed (§11.4.2.1, §10.1)', async (_name, offsetSeconds) => {
      const p = new URLSearchParams(params);
      p.set('openid.response_nonce', `${formatNonceTime(new Date(Date.now() + offsetSeconds * 1000))}${randomBytes(6).toString('hex')}`);
      expect((await checkAuthentication(await resign(p, signedList()))).body).toBe(INVALID);
    });

    it('control: the re-signing is sound (a fresh nonce re-signed verifies), then the untouched assertion verifies once and its replay is refused', async () => {
      const p = new URLSearchParams(params);
      p.set('openid.response_nonce', `${formatNonceTime(new Date())}${randomBytes(6).toString('hex')}`);
      expect((await checkAuthentication(await resign(p, signedList()))).body).toBe(VALID);
      // None of the failed attempts above burnt the genuine assertion; the first check does.
      expect((await checkAuthentication(params)).body).toBe(VALID);
      // §11.4.2.1: "the OP MUST NOT confirm the validity of a nonce it has already confirmed".
      expect((await checkAuthentication(params)).body).toBe(INVALID);
      expect((await checkAuthentication(params)).body).toBe(INVALID);
    });
  });

  it('refuses to verify an assertion signed with a shared association (§11.4.2.1), and echoes no handle it knows as valid (§11.4.2.2)', async () => {
    // A smart-mode RP: associate (DH-SHA256 over HTTPS), then an assertion signed with that key.
    const rp = new openid.RelyingParty(`${site.origin}/verify`, `${site.origin}/`, false, false, []);
    const params = new URL(await signIn(await authenticate(rp, op.identifier(username)))).searchParams;
    const handle = params.get('openid.assoc_handle')!;
    expect(handle).toMatch(/\.S\./);
    expect(await op.app.get(AssociationService).find(handle, 'shared')).toBeDefined();
    const p = new URLSearchParams(params);
    p.set('openid.invalidate_handle', handle);
    expect((await checkAuthentication(p)).body).toBe(INVALID);
    // The RP itself verifies it with the shared key (its error, if any, says why it could not).
    const verified = await verify(rp, `${site.origin}/verify?${params}`);
    expect(verified.error).toBeUndefined();
    expect(verified.result?.authenticated).toBe(true);
  });

  it('echoes an unknown invalidate_handle so the RP drops it, without it changing the verdict (§11.4.2.2)', async () => {
    const params = await statelessAssertion();
    const p = new URLSearchParams(params);
    p.set('openid.invalidate_handle', '1700000000.S.doesnotexist');
    // invalidate_handle is not part of the assertion: sent along, it is an unsigned field.
    const res = await checkAuthentication(p);
    expect(res.body).toContain('invalidate_handle:1700000000.S.doesnotexist\n');
  });

  it('answers a direct error, not a 500, for check_authentication without sig or signed', async () => {
    const params = await statelessAssertion();
    for (const key of ['openid.sig', 'openid.signed', 'openid.assoc_handle']) {
      const p = new URLSearchParams(params);
      p.delete(key);
      const res = await checkAuthentication(p);
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\nerror:/);
    }
  });
});
