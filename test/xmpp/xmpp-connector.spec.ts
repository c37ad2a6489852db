import { readFileSync } from 'node:fs';
import { NS_VCARD4, NS_VCARD_TEMP, NS_PUBSUB, VCARD4_NODE, EMPTY_VCARD_PROFILE } from '../../src/xmpp/vcard-mapping.js';
import { XmppUnavailable } from '../../src/xmpp/xmpp-errors.js';
import type { XmppLoginRequest, XmppLoginResult } from '../../src/xmpp/xmpp-connector.js';
import { parseXml } from '../../src/xmpp/xmpp-connector.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import { capturedConnector, establishedTo, median, recordingProxy, silentServer, until } from './fixtures.js';
import { freePort, HOSTS, startProsody, type Prosody } from './prosody.js';

// The credential check and the vCard read against a real Prosody 0.12 (Debian's package).

const PASSWORDS = {
  romeo: 'Wherefore-art-thou-7',
  juliet: 'nightingale&lark<9>',
  tybalt: 'prince-of-cats',
  vcardTemp: 'temp-only-vcard-pw',
  vcard4: 'vcard4-in-pep-pw',
  legacy: 'legacy-vcard-pw',
  wrong: 'not-the-password-4',
};

let prosody: Prosody;
let clear: Prosody;
const { connector, lines } = capturedConnector();
const errors: unknown[] = [];

async function check(overrides: Partial<XmppLoginRequest>): Promise<XmppLoginResult> {
  try {
    return await connector.login({ service: prosody.c2s, domain: HOSTS.main, username: 'romeo', password: PASSWORDS.romeo, caFile: prosody.caFile, timeoutMs: 5000, ...overrides });
  } catch (error) {
    errors.push(error);
    throw error;
  }
}

async function unavailable(overrides: Partial<XmppLoginRequest>): Promise<XmppUnavailable> {
  const error = await check(overrides).then(
    (result) => new Error(`expected XmppUnavailable, got ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XmppUnavailable);
  return error as XmppUnavailable;
}

/** The user's own chat app: an account session that sets their vCard. */
async function asUser(user: string, host: string, password: string, act: (session: XmppSession) => Promise<void>): Promise<void> {
  const session = connector.openSession({
    credentials: { kind: 'account', service: prosody.c2s, jid: `${user}@${host}`, password, caFile: prosody.caFile },
    domain: host,
    connectTimeoutMs: 5000,
    keepaliveMs: 0,
  });
  session.start();
  try {
    await session.waitOnline(5000);
    await act(session);
  } finally {
    await session.stop();
  }
}

beforeAll(async () => {
  [prosody, clear] = await Promise.all([
    startProsody({
      accounts: [
        { user: 'romeo', password: PASSWORDS.romeo },
        { user: 'juliet', password: PASSWORDS.juliet },
        { user: 'legacy', password: PASSWORDS.legacy },
        { user: 'temp', password: PASSWORDS.vcardTemp, host: HOSTS.separate },
        { user: 'four', password: PASSWORDS.vcard4, host: HOSTS.separate },
        { user: 'tybalt', password: PASSWORDS.tybalt, host: HOSTS.disabling },
        { user: 'mercutio', password: PASSWORDS.tybalt, host: HOSTS.disabling },
      ],
      disabledAccounts: ['tybalt'],
    }),
    startProsody({ variant: 'no-tls', accounts: [{ user: 'romeo', password: PASSWORDS.romeo }] }),
  ]);
});

afterAll(async () => {
  await Promise.all([prosody?.dispose(), clear?.dispose()]);
});

describe('XmppConnector.login against Prosody', () => {
  it('accepts the right password over STARTTLS (xmpp://) and names the bare JID', async () => {
    await expect(check({ fetchVcard: false })).resolves.toEqual({ outcome: 'ok', jid: 'romeo@localhost', vcard: undefined });
  });

  it('accepts the right password over direct TLS (xmpps://, XEP-0368)', async () => {
    await expect(check({ service: prosody.directTls, fetchVcard: false })).resolves.toMatchObject({ outcome: 'ok', jid: 'romeo@localhost' });
  });

  it('normalises the username like every JID localpart (RFC 7622 §3.3: case-insensitive)', async () => {
    await expect(check({ username: 'ROMEO', fetchVcard: false })).resolves.toMatchObject({ outcome: 'ok', jid: 'romeo@localhost' });
  });

  it('refuses a wrong password: invalid, SASL not-authorized (RFC 6120 §6.5.10)', async () => {
    await expect(check({ password: PASSWORDS.wrong })).resolves.toEqual({ outcome: 'invalid', condition: 'not-authorized' });
  });

  it('answers an unknown account exactly like a wrong password, in comparable time', async () => {
    await expect(check({ username: 'nobody-here', password: PASSWORDS.wrong })).resolves.toEqual({ outcome: 'invalid', condition: 'not-authorized' });
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      for (const [list, username] of [
        [known, 'juliet'],
        [unknown, `ghost${i}`],
      ] as const) {
        const started = performance.now();
        const result = await check({ username, password: PASSWORDS.wrong, fetchVcard: false });
        list.push(performance.now() - started);
        expect(result).toEqual({ outcome: 'invalid', condition: 'not-authorized' });
      }
    }
    // PLAIN's server-side cost is one PBKDF2 for a known account and nearly nothing for an unknown
    // one (a few ms in Prosody); the library's SCRAM-SHA-1 would differ by ~600 ms (STACK-NOTES §5b).
    expect(Math.abs(median(known) - median(unknown)), `known ${known.map(Math.round)} vs unknown ${unknown.map(Math.round)}`).toBeLessThan(80);
  });

  it('reports a disabled account (SASL account-disabled, RFC 6120 §6.5.1), before any password check', async () => {
    await expect(check({ domain: HOSTS.disabling, username: 'tybalt', password: PASSWORDS.tybalt })).resolves.toEqual({ outcome: 'disabled', condition: 'account-disabled' });
    // Prosody's util/sasl/plain.lua answers account-disabled before it compares the password.
    await expect(check({ domain: HOSTS.disabling, username: 'tybalt', password: PASSWORDS.wrong })).resolves.toEqual({ outcome: 'disabled', condition: 'account-disabled' });
    await expect(check({ domain: HOSTS.disabling, username: 'mercutio', password: PASSWORDS.tybalt, fetchVcard: false })).resolves.toMatchObject({ outcome: 'ok' });
  });

  it('lets concurrent checks of one account all succeed (a random resource each: no conflict)', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => check({ fetchVcard: false })));
    expect(results.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('refuses malformed credentials without asking the server (RFC 6122 nodeprep, RFC 4616 §2 PLAIN)', async () => {
    await expect(check({ username: 'ro meo' })).resolves.toEqual({ outcome: 'invalid', condition: 'malformed-request' });
    await expect(check({ username: 'romeo@localhost' })).resolves.toEqual({ outcome: 'invalid', condition: 'malformed-request' });
    await expect(check({ password: 'a\u0000b' })).resolves.toEqual({ outcome: 'invalid', condition: 'malformed-request' });
    await expect(check({ password: '' })).resolves.toEqual({ outcome: 'invalid', condition: 'malformed-request' });
  });

  it('handles multi-byte usernames and passwords (SASLprep on the server)', async () => {
    prosody.register({ user: 'josé', password: 'pässwörd-日本' });
    await expect(check({ username: 'José', password: 'pässwörd-日本', fetchVcard: false })).resolves.toMatchObject({ outcome: 'ok', jid: 'josé@localhost' });
    await expect(check({ username: 'josé', password: 'passwörd-日本' })).resolves.toMatchObject({ outcome: 'invalid' });
  });
});

describe('XmppConnector.login when no verdict can be had', () => {
  it('server down (connection refused): unavailable, at once, never "wrong password"', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await unavailable({ service: `xmpp://127.0.0.1:${port}` });
    expect(error.reason).toBe('connection_refused');
    expect(error.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('server slow (TCP accepted, never a byte back): the timeout fires within its budget and the socket is closed', async () => {
    const silent = await silentServer();
    try {
      for (const service of [`xmpp://127.0.0.1:${silent.port}`, `xmpps://127.0.0.1:${silent.port}`]) {
        const started = Date.now();
        const error = await unavailable({ service, timeoutMs: 700 });
        const elapsed = Date.now() - started;
        expect(error.reason).toBe('timeout');
        expect(elapsed).toBeGreaterThanOrEqual(650);
        expect(elapsed).toBeLessThan(1500);
      }
      // Both connections were dropped by us, not left to the server.
      await until(() => silent.sockets.length === 2 && silent.closed() === 2, 2000, 'the hung connections to close');
    } finally {
      await silent.close();
    }
  });

  it('server without STARTTLS: refused before any credential is sent (no PLAIN in the clear)', async () => {
    const proxy = await recordingProxy(clear.c2sPort);
    try {
      const error = await unavailable({ service: `xmpp://127.0.0.1:${proxy.port}`, caFile: undefined });
      expect(error.reason).toBe('starttls_unavailable');
      // The server really offered PLAIN over the bare stream: a naive client would have used it.
      expect(proxy.received()).toContain('<mechanism>PLAIN</mechanism>');
      expect(proxy.received()).not.toContain('starttls');
      // All we sent was the stream header: no <auth/>, no password in any encoding.
      const sent = proxy.sent();
      expect(sent).toMatch(/^<\?xml version='1.0'\?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http:\/\/etherx.jabber.org\/streams'>$/);
      const plain = Buffer.from(`\u0000romeo\u0000${PASSWORDS.romeo}`).toString('base64');
      for (const secret of [PASSWORDS.romeo, plain, Buffer.from(PASSWORDS.romeo).toString('base64'), '<auth']) expect(sent).not.toContain(secret);
    } finally {
      await proxy.close();
    }
  });

  it('trusts the server\'s private CA only through ca_file (NODE_EXTRA_CA_CERTS holds another certificate)', async () => {
    const extra = process.env['NODE_EXTRA_CA_CERTS'];
    expect(extra, 'test/global-setup.ts sets NODE_EXTRA_CA_CERTS').toBeDefined();
    expect(readFileSync(extra!, 'utf8')).not.toBe(readFileSync(prosody.caFile, 'utf8'));
    for (const service of [prosody.c2s, prosody.directTls]) {
      const error = await unavailable({ service, caFile: undefined });
      expect(error.reason).toBe('tls');
      await expect(check({ service, fetchVcard: false })).resolves.toMatchObject({ outcome: 'ok' });
    }
  });

  it('checks the certificate against the XMPP domain (RFC 7590 §3.2), not the address dialled', async () => {
    prosody.register({ user: 'romeo', password: PASSWORDS.romeo, host: HOSTS.unnamed });
    for (const service of [prosody.c2s, prosody.directTls]) {
      const error = await unavailable({ service, domain: HOSTS.unnamed });
      expect(error.reason).toBe('tls');
      expect(error.detail).toMatch(/altnames/);
    }
  });

  it('reports an unreadable ca_file as unavailable, naming the file', async () => {
    const error = await unavailable({ caFile: '/nonexistent/xmpp-ca.pem' });
    expect(error.reason).toBe('ca_file');
    expect(error.detail).toContain('/nonexistent/xmpp-ca.pem');
  });

  it('reports a misconfigured server address as unavailable, not as a login failure', async () => {
    expect((await unavailable({ service: 'http://127.0.0.1:5222' })).reason).toBe('not_configured');
  });
});

describe('XmppConnector.login reads the vCard on the same connection', () => {
  it('vcard-temp only (XEP-0054; a host without vCard4): mapped to the profile', async () => {
    await asUser('temp', HOSTS.separate, PASSWORDS.vcardTemp, async (session) => {
      const vcard = parseXml(
        `<vCard xmlns='${NS_VCARD_TEMP}'><FN>Temp Only</FN><N><FAMILY>Only</FAMILY><GIVEN>Temp</GIVEN></N><NICKNAME>tempo</NICKNAME><EMAIL><INTERNET/><USERID>first@example.org</USERID></EMAIL><EMAIL><PREF/><USERID>temp@example.org</USERID></EMAIL><BDAY>1970-01-02</BDAY><ADR><HOME/><PCODE>75011</PCODE><CTRY>France</CTRY></ADR><TZ>Europe/Paris</TZ></vCard>`,
      );
      await session.request({ name: 'iq', attrs: { type: 'set' }, children: [vcard] }, 5000);
    });
    const result = await check({ domain: HOSTS.separate, username: 'temp', password: PASSWORDS.vcardTemp });
    expect(result).toEqual({
      outcome: 'ok',
      jid: 'temp@separate.localhost',
      vcard: {
        values: { fullname: 'Temp Only', nickname: 'tempo', email: 'temp@example.org', dob: '1970-01-02', country: 'FR', postcode: '75011', timezone: 'Europe/Paris' },
        name: { given: 'Temp', family: 'Only' },
      },
    });
  });

  it('vCard4 over PEP (XEP-0292) wins over vcard-temp, which fills the gaps', async () => {
    await asUser('four', HOSTS.separate, PASSWORDS.vcard4, async (session) => {
      const vcard4 = parseXml(
        `<vcard xmlns='${NS_VCARD4}'><fn><text>Four Flavour</text></fn><email><text>other@example.org</text></email><email><parameters><pref><integer>1</integer></pref></parameters><text>four@example.org</text></email><lang><language-tag>de-AT</language-tag></lang><tz><text>Europe/Vienna</text></tz><gender><sex>F</sex></gender><bday><date>--1224</date></bday></vcard>`,
      );
      const publish = { name: 'pubsub', attrs: { xmlns: NS_PUBSUB }, children: [{ name: 'publish', attrs: { node: VCARD4_NODE }, children: [{ name: 'item', attrs: { id: 'current' }, children: [vcard4] }] }] };
      await session.request({ name: 'iq', attrs: { type: 'set' }, children: [publish] }, 5000);
      const temp = parseXml(`<vCard xmlns='${NS_VCARD_TEMP}'><FN>Old Name</FN><NICKNAME>oldnick</NICKNAME></vCard>`);
      await session.request({ name: 'iq', attrs: { type: 'set' }, children: [temp] }, 5000);
    });
    const result = await check({ domain: HOSTS.separate, username: 'four', password: PASSWORDS.vcard4 });
    expect(result).toEqual({
      outcome: 'ok',
      jid: 'four@separate.localhost',
      vcard: { values: { fullname: 'Four Flavour', nickname: 'oldnick', email: 'four@example.org', language: 'de-AT', timezone: 'Europe/Vienna', gender: 'F', dob: '0000-12-24' }, name: {} },
    });
  });

  it('Prosody\'s default (mod_vcard_legacy): a vcard-temp set by an old client is read back through both flavours', async () => {
    await asUser('legacy', HOSTS.main, PASSWORDS.legacy, async (session) => {
      const vcard = parseXml(`<vCard xmlns='${NS_VCARD_TEMP}'><FN>Legacy User</FN><NICKNAME>leg</NICKNAME><EMAIL><INTERNET/><USERID>legacy@example.org</USERID></EMAIL><BDAY>1985-04-12</BDAY><ADR><HOME/><PCODE>37121</PCODE><CTRY>Italia</CTRY></ADR></vCard>`);
      await session.request({ name: 'iq', attrs: { type: 'set' }, children: [vcard] }, 5000);
    });
    const result = await check({ username: 'legacy', password: PASSWORDS.legacy });
    expect(result).toEqual({
      outcome: 'ok',
      jid: 'legacy@localhost',
      vcard: { values: { fullname: 'Legacy User', nickname: 'leg', email: 'legacy@example.org', dob: '1985-04-12', postcode: '37121', country: 'IT' }, name: {} },
    });
  });

  it('a user without any vCard gets the empty profile (known to be empty, not unknown)', async () => {
    await expect(check({ username: 'juliet', password: PASSWORDS.juliet })).resolves.toEqual({ outcome: 'ok', jid: 'juliet@localhost', vcard: EMPTY_VCARD_PROFILE });
  });
});

describe('XmppConnector.login hygiene', () => {
  it('leaves no connection open at the server after any outcome (stop() always)', async () => {
    await check({ fetchVcard: false });
    await check({ password: PASSWORDS.wrong });
    await until(() => establishedTo(prosody.c2sPort) === 0, 3000, 'Prosody\'s c2s connections to close');
  });

  it('never writes a password into a log line or an error message', () => {
    expect(lines().length).toBeGreaterThan(10);
    const texts = [...lines(), ...errors.map((e) => `${(e as Error).message} ${(e as { detail?: string }).detail ?? ''} ${(e as Error).stack ?? ''}`)];
    for (const password of [...Object.values(PASSWORDS), 'pässwörd-日本', 'passwörd-日本']) {
      for (const text of texts) expect(text).not.toContain(password);
    }
  });
});
