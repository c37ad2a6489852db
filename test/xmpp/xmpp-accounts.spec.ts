import { Writable } from 'node:stream';
import { CredentialBackend } from '../../src/auth/login/credential-backend.js';
import { LoginThrottleService } from '../../src/auth/login/login-throttle.service.js';
import { createRootLogger } from '../../src/http/logger.js';
import { ProfileSource } from '../../src/sreg/profile-source.js';
import { UsersService, XmppManagedAccounts } from '../../src/users/users.service.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { InjectedBrowser, storeVcards } from './accounts-helpers.js';
import { recordingProxy, silentServer, median } from './fixtures.js';
import { HOSTS, freePort, startProsody, type Prosody } from './prosody.js';

// Accounts of `accounts: xmpp` domains against a real Prosody (test/xmpp/prosody.ts): the login
// form checks the password with the domain's XMPP server, reads the vCard on the same connection,
// creates the row at the first sign-in; a server that cannot give a verdict answers 503, never
// "wrong password", and counts nothing against the throttle. Fails (never skips) without Prosody.

const PASSWORD = 'balcony-at-midnight';
const MESSAGE = {
  wrong: 'Wrong username or password.',
  unavailable: 'The sign-in service is unavailable right now. Try again in a few minutes.',
  disabled: 'This account is disabled. Ask the administrator of this domain.',
};

const VCARD_TEMP = `<vCard xmlns="vcard-temp"><FN>Romeo Montague</FN><N><FAMILY>Montague</FAMILY><GIVEN>Romeo</GIVEN></N><NICKNAME>romy</NICKNAME>
<EMAIL><INTERNET/><USERID>romeo@work.example</USERID></EMAIL><EMAIL><INTERNET/><PREF/><USERID>romeo@montague.example</USERID></EMAIL>
<BDAY>1597-07-16</BDAY><ADR><HOME/><PCODE>37121</PCODE><CTRY>Italy</CTRY></ADR><TZ>Europe/Rome</TZ>
<TEL><WORK/><FAX/><PREF/><NUMBER>+39 045 000 0000</NUMBER></TEL><TEL><HOME/><VOICE/><NUMBER>+39 045 123 4567</NUMBER></TEL></vCard>`;
// On HOSTS.main, mod_vcard_legacy turns vcard-temp into vCard4 (losing PREF and TZ on the way):
// the account's chat app sees this simpler card.
const VCARD_TEMP_SIMPLE = `<vCard xmlns="vcard-temp"><FN>Romeo Montague</FN><NICKNAME>romy</NICKNAME><EMAIL><INTERNET/><USERID>romeo@montague.example</USERID></EMAIL><ADR><HOME/><PCODE>37121</PCODE><CTRY>Italy</CTRY></ADR></vCard>`;
const VCARD4 = `<vcard xmlns="urn:ietf:params:xml:ns:vcard-4.0"><fn><text>Juliet Capulet</text></fn><n><surname>Capulet</surname><given>Juliet</given></n>
<email><text>juliet@capulet.example</text></email><bday><date>--0731</date></bday><lang><language-tag>it</language-tag></lang>
<adr><code>37100</code><country>IT</country></adr><tz><text>Europe/Rome</text></tz>
<tel><parameters><type><text>cell</text></type></parameters><uri>tel:+39-345-678-9012</uri></tel></vcard>`;

describe('XMPP accounts: sign-in with the XMPP password (Prosody)', () => {
  let prosody: Prosody;
  let noTls: Prosody;
  let t: TestApp;
  let broken: TestApp;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  const logLines: string[] = [];
  const romeo = { user: uniqueName('romeo'), password: PASSWORD };
  const juliet = { user: uniqueName('juliet'), password: PASSWORD, host: HOSTS.separate };
  const tybalt = { user: uniqueName('tybalt'), password: PASSWORD, host: HOSTS.disabling };
  const mercutio = { user: uniqueName('mercutio'), password: PASSWORD };
  const paris = { user: uniqueName('paris'), password: PASSWORD, host: HOSTS.separate };

  function sink(): Writable {
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
        done();
      },
    });
  }

  beforeAll(async () => {
    prosody = await startProsody({ accounts: [romeo, juliet, tybalt, mercutio, paris], disabledAccounts: [tybalt.user] });
    noTls = await startProsody({ variant: 'no-tls', accounts: [romeo] });
    silent = await silentServer();
    proxy = await recordingProxy(noTls.c2sPort);
    await storeVcards(prosody, romeo, { vcardTemp: VCARD_TEMP_SIMPLE });
    await storeVcards(prosody, paris, { vcardTemp: VCARD_TEMP });
    await storeVcards(prosody, juliet, { vcard4: VCARD4 });
    const xmpp = { server: prosody.c2s, ca_file: prosody.caFile, timeout: '5s' };
    const common = {
      server: { trusted_proxies: ['127.0.0.1'] },
      realm: { return_to_verification: 'off' as const },
      security: { login_rate_limit: { max_attempts_per_account: 3, max_attempts_per_address: 100 } },
    };
    t = await bootApp(
      testConfig({
        ...common,
        domains: [
          { name: HOSTS.main, base_url: `https://${HOSTS.main}`, accounts: 'xmpp', xmpp },
          { name: HOSTS.separate, base_url: `https://${HOSTS.separate}`, accounts: 'xmpp', xmpp },
          { name: HOSTS.disabling, base_url: `https://${HOSTS.disabling}`, accounts: 'xmpp', xmpp },
          // Connection refused: nothing listens there.
          { name: 'down.test', base_url: 'https://down.test', accounts: 'xmpp', xmpp: { server: `xmpp://127.0.0.1:${await freePort()}` } },
          // A TCP listener that never answers: the timeout fires.
          { name: 'slow.test', base_url: 'https://slow.test', accounts: 'xmpp', xmpp: { server: `xmpp://127.0.0.1:${silent.port}`, timeout: '1s' } },
        ],
        logging: { level: 'debug' },
      }),
      createRootLogger('debug', sink()),
    );
    // The same domain name served by a Prosody without TLS (through a proxy that records what we send).
    broken = await bootApp(testConfig({ ...common, domains: [{ name: HOSTS.main, base_url: `https://${HOSTS.main}`, accounts: 'xmpp', xmpp: { server: `xmpp://127.0.0.1:${proxy.port}` } }] }));
  }, 60_000);

  afterAll(async () => {
    await broken?.close();
    await t?.close();
    await proxy?.close();
    await silent?.close();
    await noTls?.dispose();
    await prosody?.dispose();
  });

  const browser = (host: string = HOSTS.main) => new InjectedBrowser(t.app, host);

  it('signs in with the right password: a row is created at the first sign-in, with the vCard (vcard-temp)', async () => {
    const users = t.app.get(UsersService);
    expect(await users.find(HOSTS.main, romeo.user)).toBeNull();
    const b = browser();
    const res = await b.login({ username: romeo.user.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`https://${HOSTS.main}/openid/${romeo.user}`);
    const row = await users.find(HOSTS.main, romeo.user);
    expect(row).toMatchObject({ username: romeo.user, disabled: false, email: null });
    expect(row!.vcardFetchedAt).toBeInstanceOf(Date);
    // The country name as its ISO 3166 code.
    expect(row!.vcard).toEqual({ fullname: 'Romeo Montague', nickname: 'romy', email: 'romeo@montague.example', postcode: '37121', country: 'IT' });
    expect(await t.app.get(ProfileSource).load(row!)).toMatchObject({ email: 'romeo@montague.example', fullname: 'Romeo Montague' });
    // The owner's identity page: an XMPP account, and which values come from the vCard.
    const page = await b.get(`/openid/${romeo.user}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('XMPP account: your password is checked by your chat server');
    expect(page.body).toMatch(/From your vCard: romeo@montague\.example \(read <time datetime="/);
    expect(page.body).toContain('placeholder="romeo@montague.example"');
    // The XMPP password backend answered (xmpp_password_backend_up, docs/operations.md).
    const metrics = await t.runtime.metrics.registry.getSingleMetricAsString('xmpp_password_backend_up');
    expect(metrics).toContain(`xmpp_password_backend_up{domain="${HOSTS.main}"} 1`);
  });

  it("lets the user's own value override the vCard's, and clearing it falls back to the vCard", async () => {
    const b = browser();
    expect((await b.login({ username: romeo.user, password: PASSWORD })).status).toBe(303);
    const page = await b.get(`/openid/${romeo.user}`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    expect((await b.post('/account/profile', { csrf, email: 'r@own.example' })).status).toBeLessThan(400);
    const users = t.app.get(UsersService);
    const profiles = t.app.get(ProfileSource);
    expect((await profiles.load((await users.find(HOSTS.main, romeo.user))!)).email).toBe('r@own.example');
    expect((await b.get(`/openid/${romeo.user}`)).body).toContain('Your own value; your vCard says romeo@montague.example');
    await b.post('/account/profile', { csrf, email: '' });
    expect((await profiles.load((await users.find(HOSTS.main, romeo.user))!)).email).toBe('romeo@montague.example');
  });

  it('reads a vcard-temp (XEP-0054) into the profile: the PREF e-mail, N, BDAY, ADR, TZ, the voice TEL (not the fax)', async () => {
    expect((await browser(HOSTS.separate).login({ username: paris.user, password: PASSWORD })).status).toBe(303);
    const row = (await t.app.get(UsersService).find(HOSTS.separate, paris.user))!;
    expect(row.vcard).toEqual({ fullname: 'Romeo Montague', nickname: 'romy', email: 'romeo@montague.example', dob: '1597-07-16', postcode: '37121', country: 'IT', timezone: 'Europe/Rome', phone: '+390451234567', name: { given: 'Romeo', family: 'Montague' } });
    expect(await t.app.get(ProfileSource).load(row)).toMatchObject({ email: 'romeo@montague.example', dob: '1597-07-16', phone: '+390451234567', nameParts: { given: 'Romeo', family: 'Montague' } });
  });

  it('reads a vCard4 published over PEP (XEP-0292) into the profile, the tel: URI as E.164', async () => {
    const res = await browser(HOSTS.separate).login({ username: juliet.user, password: PASSWORD });
    expect(res.status).toBe(303);
    const row = (await t.app.get(UsersService).find(HOSTS.separate, juliet.user))!;
    expect(row.vcard).toEqual({ fullname: 'Juliet Capulet', email: 'juliet@capulet.example', dob: '0000-07-31', language: 'it', postcode: '37100', country: 'IT', timezone: 'Europe/Rome', phone: '+393456789012', name: { given: 'Juliet', family: 'Capulet' } });
    expect(await t.app.get(ProfileSource).load(row)).toMatchObject({ email: 'juliet@capulet.example', language: 'it', phone: '+393456789012' });
  });

  it('answers a wrong password and an unknown account alike: 401, the same message', async () => {
    const wrong = await browser().login({ username: mercutio.user, password: 'not the password' });
    const unknown = await browser().login({ username: uniqueName('ghost'), password: PASSWORD });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toContain(MESSAGE.wrong);
    }
    expect(await t.app.get(UsersService).find(HOSTS.main, mercutio.user)).toBeNull();
  });

  it('costs the same time for a wrong password and an unknown account (PLAIN: no timing oracle)', async () => {
    const backend = t.app.get(CredentialBackend);
    const wrong: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so that load on the machine hits both series alike; medians, so that outliers do not count.
    for (let i = 0; i < 12; i += 1) {
      for (const [series, username, password] of [
        [wrong, mercutio.user, `wrong-${i}`],
        [unknown, uniqueName('nobody'), PASSWORD],
      ] as const) {
        const started = process.hrtime.bigint();
        const result = await backend.verify(HOSTS.main, username, password);
        series.push(Number(process.hrtime.bigint() - started) / 1e6);
        expect(result).toEqual({ ok: false, reason: 'invalid_credentials' });
      }
    }
    const [w, u] = [median(wrong), median(unknown)];
    // @xmpp/client's SCRAM answered an unknown account ~10x faster than a wrong password
    // (STACK-NOTES.md §5b); within a factor of 2 either way is "the same" on a loaded machine.
    expect(w / u, `median wrong ${w.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`).toBeGreaterThan(0.5);
    expect(w / u, `median wrong ${w.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`).toBeLessThan(2);
  }, 30_000);

  it('treats an account disabled on the XMPP side as wrong credentials (Prosody says so before the password)', async () => {
    for (const password of [PASSWORD, 'not the password']) {
      const res = await browser(HOSTS.disabling).login({ username: tybalt.user, password });
      expect(res.status).toBe(401);
      expect(res.body).toContain(MESSAGE.wrong);
    }
    expect(await t.app.get(UsersService).find(HOSTS.disabling, tybalt.user)).toBeNull();
  });

  it('still refuses an account disabled here (user disable), once the XMPP password is right', async () => {
    const users = t.app.get(UsersService);
    await users.setDisabled(HOSTS.main, romeo.user, true);
    try {
      const res = await browser().login({ username: romeo.user, password: PASSWORD });
      expect(res.status).toBe(401);
      expect(res.body).toContain(MESSAGE.disabled);
      expect(res.headers['set-cookie']).not.toEqual(expect.arrayContaining([expect.stringContaining('__Host-op-session=')]));
    } finally {
      await users.setDisabled(HOSTS.main, romeo.user, false);
    }
  });

  it('answers 503 "unavailable" when the server refuses the connection, for browsers and machines, and counts nothing', async () => {
    const b = browser('down.test');
    const account = uniqueName('montague');
    // More attempts than max_attempts_per_account: none is counted, so none is throttled.
    for (let i = 0; i < 4; i += 1) {
      const res = await b.login({ username: account, password: PASSWORD });
      expect(res.status).toBe(503);
      expect(res.body).toContain(MESSAGE.unavailable);
      expect(res.body).not.toContain(MESSAGE.wrong);
      expect(res.headers['retry-after']).toBe('30');
    }
    const machine = await b.login({ username: account, password: PASSWORD }, 'application/json');
    expect(machine.status).toBe(503);
    expect(machine.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(machine.body)).toMatchObject({ status: 503, code: 'xmpp_unavailable' });
    expect(machine.body).not.toContain(PASSWORD);
    // Had the five attempts counted, this failure would be over the limit of 3 and impose a wait.
    const throttle = t.app.get(LoginThrottleService);
    const verdict = await throttle.reserve(throttle.keys('down.test', account, b.address));
    expect(verdict.allowed && throttle.failed(verdict.reservation)).toBe(0);
  });

  it('answers 503 when the server never answers: the timeout fires', async () => {
    const started = Date.now();
    const res = await browser('slow.test').login({ username: uniqueName('slow'), password: PASSWORD });
    expect(res.status).toBe(503);
    expect(res.body).toContain(MESSAGE.unavailable);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(silent.sockets.length).toBeGreaterThan(0);
    // The metric says so, per domain: the slow one down, the one that answers up.
    const metrics = await t.runtime.metrics.registry.getSingleMetricAsString('xmpp_password_backend_up');
    expect(metrics).toContain('xmpp_password_backend_up{domain="slow.test"} 0');
    expect(metrics).toContain(`xmpp_password_backend_up{domain="${HOSTS.main}"} 1`);
  });

  it('answers 503 for a server without STARTTLS, and sends it no password', async () => {
    const res = await new InjectedBrowser(broken.app, HOSTS.main).login({ username: romeo.user, password: PASSWORD });
    expect(res.status).toBe(503);
    expect(res.body).toContain(MESSAGE.unavailable);
    const sent = proxy.sent();
    expect(sent).toContain('<stream:stream');
    expect(sent).not.toContain(PASSWORD);
    expect(sent).not.toContain(Buffer.from(`\u0000${romeo.user}\u0000${PASSWORD}`).toString('base64'));
    expect(sent).not.toContain('<auth');
  });

  it('never writes a password into a log line', () => {
    expect(logLines.some((l) => l.includes('XMPP credential check'))).toBe(true);
    for (const line of logLines) expect(line).not.toContain(PASSWORD);
  });

  it('answers discovery for every valid localpart, before the first sign-in too, and 404 for invalid ones', async () => {
    const never = uniqueName('benvolio');
    const b = browser();
    const seen = await b.get(`/openid/${romeo.user}`, 'application/xrds+xml');
    const unseen = await b.get(`/openid/${never}`, 'application/xrds+xml');
    expect(unseen.status).toBe(200);
    expect(unseen.headers['content-type']).toBe('application/xrds+xml');
    // Identical shape: only the name differs.
    expect(unseen.body.replaceAll(never, 'NAME')).toBe(seen.body.replaceAll(romeo.user, 'NAME'));
    const seenPage = await b.get(`/openid/${romeo.user}`);
    const unseenPage = await b.get(`/openid/${never.toUpperCase()}`);
    expect(unseenPage.status).toBe(200);
    expect(unseenPage.body.replaceAll(never, 'NAME')).toBe(seenPage.body.replaceAll(romeo.user, 'NAME'));
    expect(unseenPage.headers['x-xrds-location']).toBe(`https://${HOSTS.main}/openid/${never}?xrds`);
    // RFC 6122 §2.3 nodeprep: spaces and '/' are not allowed in a localpart: today's structured 404.
    for (const bad of ['bad%20name', 'a%2Fb', 'x%3Cy']) {
      const res = await b.get(`/openid/${bad}`, 'application/json');
      expect(res.status, bad).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('accepts checkid_setup for a never-seen account (its identity, or identifier_select) and shows the login page', async () => {
    const never = uniqueName('rosaline');
    const identity = `https://${HOSTS.main}/openid/${never}`;
    for (const [id, claimed] of [
      [identity, identity],
      ['http://specs.openid.net/auth/2.0/identifier_select', 'http://specs.openid.net/auth/2.0/identifier_select'],
    ]) {
      const params = new URLSearchParams({
        'openid.ns': 'http://specs.openid.net/auth/2.0',
        'openid.mode': 'checkid_setup',
        'openid.identity': id!,
        'openid.claimed_id': claimed!,
        'openid.return_to': 'https://rp.example/return',
        'openid.realm': 'https://rp.example/',
      });
      const b = browser();
      let res = await b.get(`/openid?${params}`);
      if (res.status >= 300 && res.status < 400) res = await b.get(String(res.headers.location).replace(`https://${HOSTS.main}`, ''));
      expect(res.status, id).toBe(200);
      expect(res.body).toContain('name="password"');
      expect(res.body).toContain('name="request"');
      if (id === identity) expect(res.body).toContain(`value="${never}"`);
    }
  });

  it('refuses local accounts and passwords on an accounts: xmpp domain', async () => {
    const users = t.app.get(UsersService);
    await expect(users.create({ domain: HOSTS.main, username: uniqueName('local'), password: 'a long passphrase' })).rejects.toBeInstanceOf(XmppManagedAccounts);
    await expect(users.setPassword(HOSTS.main, romeo.user, 'a long passphrase')).rejects.toBeInstanceOf(XmppManagedAccounts);
  });
});
