import { AuditService } from '../../src/audit/audit.service.js';
import { generateSync } from 'otplib';
import { AccountFactorsService } from '../../src/auth/account/factors.service.js';
import { SecondFactorService } from '../../src/auth/factors/second-factor.service.js';
import { SessionService } from '../../src/auth/session/session.service.js';
import type { DomainConfig } from '../../src/config/config.schema.js';
import { TrustGrantsService } from '../../src/realm/trust-grants.service.js';
import { UsersService } from '../../src/users/users.service.js';
import { OpenIdBot } from '../../src/xmpp/bot/openid-bot.service.js';
import { text } from '../../src/i18n/locale.js';
import { childText, element, type XmlElement } from '../../src/xmpp/xml-node.js';
import type { XmppSession } from '../../src/xmpp/xmpp-session.js';
import type { LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { ask, askText, bodyOf, chatApp, droppableRelay, startBotProvider } from './bot-harness.js';
import { capturedConnector, nextStanza, until } from './fixtures.js';
import { HOSTS, startProsody, type Prosody } from './prosody.js';

// The OpenID bot against a real Prosody: an XEP-0114 component (secret from a file with a trailing
// newline), every chat command of DESIGN.md answered to a second XMPP session playing the user's
// chat app, refusals, the rate limit, the new-site notice, and a dropped component link.

const PASSWORD = 'wherefore-art-thou';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';

let prosody: Prosody;
let op: LiveProvider;
let relay: Awaited<ReturnType<typeof droppableRelay>>;
const { connector, lines } = capturedConnector();
const apps: XmppSession[] = [];
const names = {
  romeo: uniqueName('romeo'),
  juliet: uniqueName('juliet'),
  nurse: uniqueName('nurse'),
  tybalt: uniqueName('tybalt'),
  mercutio: uniqueName('mercutio'),
  stranger: uniqueName('stranger'),
  benvolio: uniqueName('benvolio'),
  friar: uniqueName('friar'),
  portia: uniqueName('portia'),
  viola: uniqueName('viola'),
  olivia: uniqueName('olivia'),
};

async function online(user: string, host: string = HOSTS.main): Promise<XmppSession> {
  const app = chatApp(connector, prosody, user, PASSWORD, host);
  apps.push(app);
  app.start();
  await app.waitOnline(5000);
  return app;
}

beforeAll(async () => {
  prosody = await startProsody({
    accounts: [
      ...[names.romeo, names.juliet, names.nurse, names.tybalt, names.mercutio, names.benvolio, names.friar, names.portia, names.viola, names.olivia].map((user) => ({ user, password: PASSWORD })),
      { user: names.stranger, password: PASSWORD, host: HOSTS.separate },
    ],
  });
  relay = await droppableRelay(Number(new URL(prosody.componentService).port));
  op = await startBotProvider(prosody, {
    bot: { component: HOSTS.component, service: `xmpp://127.0.0.1:${relay.port}`, secret_file: (await import('./bot-harness.js')).secretFile() },
    chat_rate_limit: { burst: 8, every: '1s' },
  });
  await until(() => op.app.get(OpenIdBot).online(HOSTS.main), 5000, 'the bot online');
}, 30_000);

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await op?.close();
  await relay?.close();
  await prosody?.dispose();
});

describe('the OpenID bot (XEP-0114 component) answers chat commands', () => {
  it('help, case-insensitive, in the same thread and type', async () => {
    const romeo = await online(names.romeo);
    const reply = await ask(romeo, 'HELP', { thread: 'thread-42' });
    expect(reply.attrs['type']).toBe('chat');
    expect(reply.attrs['to']).toMatch(new RegExp(`^${names.romeo}@localhost/`));
    expect(bodyOf(reply)).toContain('sites: the sites you trust');
    expect(bodyOf(reply)).toContain('signout all');
    // RFC 6121 §5.2.5: the reply mirrors the thread.
    expect(reply.children.some((c) => typeof c !== 'string' && c.name === 'thread' && c.children[0] === 'thread-42')).toBe(true);
    expect(await askText(romeo, 'help revoke')).toMatch(/^revoke <site or number>/);
  });

  it('sites and revoke <realm> / <number>, for the sender only', async () => {
    const romeo = await online(names.romeo);
    expect(await askText(romeo, 'sites')).toContain('You have no OpenID account at localhost yet');
    const users = op.app.get(UsersService);
    const trust = op.app.get(TrustGrantsService);
    const user = await users.signedInByXmpp('localhost', names.romeo);
    await trust.grant(user.id, 'https://verona.example/', ['email']);
    await trust.grant(user.id, 'https://capulet.example/');
    await trust.grant(user.id, 'https://*.montague.example/');
    const other = await users.signedInByXmpp('localhost', names.juliet);
    await trust.grant(other.id, 'https://juliet-only.example/');

    const sites = await askText(romeo, 'Sites');
    expect(sites).toContain('1. https://verona.example/');
    expect(sites).toContain('2. https://capulet.example/');
    expect(sites).toContain('3. https://*.montague.example/');
    expect(sites).not.toContain('juliet-only');

    expect(await askText(romeo, 'revoke https://capulet.example')).toBe('Revoked: https://capulet.example/ will ask you again next time.');
    expect(await askText(romeo, 'revoke juliet-only.example')).toBe('You do not trust that site: say "sites" for the list.');
    expect(await askText(romeo, 'revoke 2')).toBe('Revoked: https://*.montague.example/ will ask you again next time.');
    expect(await askText(romeo, 'revoke 9')).toBe('There is no site number 9: say "sites" for the list.');
    expect((await trust.list(user.id)).map((g) => g.realm)).toEqual(['https://verona.example/']);
    expect((await trust.list(other.id)).map((g) => g.realm)).toEqual(['https://juliet-only.example/']);
  });

  it('sessions with device names, then signout all', async () => {
    const juliet = await online(names.juliet);
    const user = await op.app.get(UsersService).signedInByXmpp('localhost', names.juliet);
    const sessions = op.app.get(SessionService);
    await sessions.create(user, { remember: false, userAgent: FIREFOX, ip: '192.0.2.7' });
    await sessions.create(user, { remember: true, userAgent: 'curl/8.0', ip: '192.0.2.8', authMethod: 'xmpp' });
    const listed = await askText(juliet, 'sessions');
    expect(listed).toContain('Signed in on 2 browsers:');
    expect(listed).toContain('- Firefox on Linux, signed in');
    expect(listed).toMatch(/- curl, signed in .* \(approved from chat\)/);
    expect(await askText(juliet, 'signout all')).toBe('Signed out everywhere: every browser must sign in again.');
    expect(await sessions.listActive(user.id)).toEqual([]);
    expect(await askText(juliet, 'sessions')).toBe('You are not signed in anywhere.');
  });

  it('history, profile and share <field> on|off', async () => {
    const nurse = await online(names.nurse);
    const users = op.app.get(UsersService);
    const user = await users.signedInByXmpp('localhost', names.nurse);
    expect(await askText(nurse, 'history')).toBe('No sign-ins yet.');
    await op.app.get(AuditService).record({ kind: 'assertion_approved', domain: 'localhost', userId: user.id, realm: 'https://verona.example/', ip: '192.0.2.9' });
    expect(await askText(nurse, 'history')).toMatch(/^Recent sign-ins:\n- [A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d [AP]M UTC: signed in to https:\/\/verona\.example\/ from 192\.0\.2\.9$/);

    expect(await askText(nurse, 'profile')).toBe('Your profile is empty: sites get nothing but your identifier.');
    await users.updateProfile('localhost', names.nurse, { email: 'nurse@verona.example', nickname: 'Angelica' });
    expect(await askText(nurse, 'share e-mail on')).toBe('Your email is now offered to sites by default (you still confirm on the consent page).');
    const profile = await askText(nurse, 'profile');
    expect(profile).toContain('- nickname: Angelica\n');
    expect(profile).toContain('- email: nurse@verona.example (shared by default)');
    expect((await users.find('localhost', names.nurse))!.releaseDefaults).toEqual(['email']);
    expect(await askText(nurse, 'share email off')).toBe('Your email is no longer offered to sites by default.');
    expect((await users.find('localhost', names.nurse))!.releaseDefaults).toEqual([]);
  });

  it('one line for an unknown command or bad usage', async () => {
    const benvolio = await online(names.benvolio);
    expect(await askText(benvolio, 'frobnicate now')).toBe('I do not know "frobnicate": try help');
    expect(await askText(benvolio, 'share shoesize on')).toMatch(/^There is no field "shoesize"/);
    expect(await askText(benvolio, 'notices maybe')).toBe('Usage: notices on|off: a message from me when you sign in to a new site');
  });

  it('refuses accounts of other domains politely', async () => {
    const stranger = await online(names.stranger, HOSTS.separate);
    expect(await askText(stranger, 'sites')).toBe('Sorry, I only serve accounts of localhost.');
  });

  it('ignores messages without a body, groupchat and headline messages, and errors', async () => {
    const friar = await online(names.friar);
    const replies: string[] = [];
    const off = friar.onStanza((s) => s.name === 'message' && s.attrs['from'] === HOSTS.component && replies.push(bodyOf(s) ?? ''));
    await friar.send(element('message', { type: 'chat', to: HOSTS.component }, element('active', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await friar.send(element('message', { type: 'headline', to: HOSTS.component }, element('body', {}, 'help')));
    await friar.send(element('message', { type: 'groupchat', to: HOSTS.component }, element('body', {}, 'help')));
    await friar.send(element('message', { type: 'error', to: HOSTS.component }, element('body', {}, 'help')));
    expect(await askText(friar, 'help sites')).toMatch(/^sites:/);
    off();
    expect(replies).toHaveLength(1);
  });

  it('limits each sender: a burst, then about one command a second', async () => {
    const mercutio = await online(names.mercutio);
    const bodies: string[] = [];
    const off = mercutio.onStanza((s) => {
      if (s.name === 'message' && s.attrs['from'] === HOSTS.component) bodies.push(bodyOf(s) ?? '');
    });
    for (let i = 0; i < 12; i++) await mercutio.send(element('message', { type: 'chat', to: HOSTS.component }, element('body', {}, 'help sites')));
    await until(() => bodies.length >= 9, 5000, 'the answers');
    await new Promise((r) => setTimeout(r, 300));
    off();
    expect(bodies.filter((b) => b.startsWith('sites:'))).toHaveLength(8);
    // One warning, not one per dropped message.
    expect(bodies.filter((b) => b === 'Too many messages: wait a few seconds, then try again.')).toHaveLength(1);
    // Another sender is not affected.
    const nurse = await online(names.nurse);
    expect(await askText(nurse, 'help sites')).toMatch(/^sites:/);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await askText(mercutio, 'help sites')).toMatch(/^sites:/);
  });

  // Issue 13: the second factors listed (never a secret or a code), and each change told in chat.
  it('factors: lists the second factors without secrets (a spent recovery code counted); adding an app is announced in chat', async () => {
    const portia = await online(names.portia);
    const users = op.app.get(UsersService);
    const user = await users.signedInByXmpp('localhost', names.portia);
    expect(await askText(portia, 'factors')).toBe('Signing in asks for your password only: add a passkey or an authenticator app on your identity page.');
    const { token } = await op.app.get(SessionService).create(user, { remember: false });
    const account = op.app.get(AccountFactorsService);
    const domain = { name: 'localhost', base_url: op.base } as DomainConfig;
    const begun = await account.beginTotp(token);
    const id = begun.kind === 'redirect' ? begun.location.split('/').at(-1)! : '';
    const setup = await account.showTotp(domain, token, id);
    const secret = setup.kind === 'setup' ? new URL(setup.view.uri).searchParams.get('secret')! : '';
    const added = nextStanza(portia, (s) => s.name === 'message' && s.attrs['from'] === HOSTS.component, 5000);
    const confirmed = await account.confirmTotp(domain, token, id, generateSync({ secret }), { ip: '192.0.2.9', userAgent: 'test' });
    expect(bodyOf(await added)).toContain(`An authenticator app was added to ${names.portia}@localhost: signing in now asks for its code.`);
    const codes = confirmed.kind === 'codes' ? confirmed.view.codes : [];
    expect(codes).toHaveLength(10);
    expect(await op.app.get(SecondFactorService).verify(user, codes[0]!)).toBe('recovery');
    const listed = await askText(portia, 'factors');
    expect(listed).toMatch(/^Your second factors:\n- Authenticator app, added [A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d [AP]M UTC, last used /);
    expect(listed).toContain('- Recovery codes: 9 of 10 left');
    expect(listed).not.toContain(secret);
    for (const code of codes) expect(listed).not.toContain(code);
    expect(await askText(portia, 'help factors')).toMatch(/^factors:/);
  });

  it('tells about a sign-in to a new site, with the command that revokes it; notices off stops it', async () => {
    const tybalt = await online(names.tybalt);
    const users = op.app.get(UsersService);
    const bot = op.app.get(OpenIdBot);
    await users.signedInByXmpp('localhost', names.tybalt);
    const notice = nextStanza(tybalt, (s) => s.name === 'message' && s.attrs['from'] === HOSTS.component, 5000);
    await bot.notifyNewSite((await users.find('localhost', names.tybalt))!, 'https://duel.example/');
    const text = bodyOf(await notice)!;
    expect(text).toContain('You just signed in to https://duel.example/ for the first time.');
    expect(text).toContain('Say "revoke https://duel.example/"');

    expect(await askText(tybalt, 'notices off')).toBe('Notices off: I will not tell you about sign-ins to new sites. Say "notices on" to undo.');
    expect((await users.find('localhost', names.tybalt))!.xmppNotices).toBe(false);
    const seen: string[] = [];
    const off = tybalt.onStanza((s) => s.name === 'message' && seen.push(bodyOf(s) ?? ''));
    await bot.notifyNewSite((await users.find('localhost', names.tybalt))!, 'https://another.example/');
    await new Promise((r) => setTimeout(r, 400));
    off();
    expect(seen).toEqual([]);
    expect(await askText(tybalt, 'NOTICES ON')).toMatch(/^Notices on/);
    expect((await users.find('localhost', names.tybalt))!.xmppNotices).toBe(true);
  });
});

// Issue 13 point 5: the bot answers in the language of the message (RFC 6120 §8.1.5 xml:lang), and
// starts conversations in the language of the page that led to them; it says which on each message.
describe('the OpenID bot speaks the chat app\'s language', () => {
  /** Sends `body` with xml:lang `lang` and answers the bot's reply. */
  async function askIn(app: XmppSession, lang: string, body: string): Promise<XmlElement> {
    const reply = nextStanza(app, (s) => s.name === 'message' && s.attrs['from'] === HOSTS.component && bodyOf(s) !== undefined, 5000);
    await app.send(element('message', { type: 'chat', to: HOSTS.component, 'xml:lang': lang }, element('body', {}, body), element('thread', {}, 'lang-thread')));
    return reply;
  }

  it('answers in German and in French, saying so with xml:lang; an unknown language gets ui.default_language', async () => {
    const viola = await online(names.viola);
    const german = await askIn(viola, 'de-AT', 'help');
    expect(german.attrs['xml:lang']).toBe('de');
    expect(childText(german, 'thread')).toBe('lang-thread');
    expect(bodyOf(german)).toMatch(/^Ich verwalte Ihre OpenID-Anmeldungen\. Befehle:\nhelp \[Befehl\]: was ich kann\n/);
    expect(bodyOf(german)).toContain('\nrevoke <Website oder Nummer>: einer Website nicht mehr vertrauen (die Nummer aus „sites“)\n');
    const french = await askIn(viola, 'fr', 'frobnicate');
    expect(french.attrs['xml:lang']).toBe('fr');
    expect(bodyOf(french)).toBe('Je ne connais pas «\u202ffrobnicate\u202f»\u00a0: essayez help');
    await op.app.get(UsersService).signedInByXmpp('localhost', names.viola);
    expect(bodyOf(await askIn(viola, 'fr-CA', 'sites'))).toBe('Vous ne faites confiance à aucun site pour vous connecter sans demander.');
    expect(bodyOf(await askIn(viola, 'de', 'notices maybe'))).toBe('Verwendung: notices on|off: eine Nachricht von mir, wenn Sie sich bei einer neuen Website anmelden');
    const japanese = await askIn(viola, 'ja', 'sessions');
    expect(japanese.attrs['xml:lang']).toBe('en');
    expect(bodyOf(japanese)).toBe('You are not signed in anywhere.');
    // Prosody stamps a stanza without xml:lang with its client's stream language ("en" here).
    const plain = await ask(viola, 'sessions');
    expect(plain.attrs['xml:lang']).toBe('en');
  });

  it('sends notices in the language of the page that led to them', async () => {
    const olivia = await online(names.olivia);
    const users = op.app.get(UsersService);
    const bot = op.app.get(OpenIdBot);
    const user = await users.signedInByXmpp('localhost', names.olivia);
    const newSite = nextStanza(olivia, (s) => s.name === 'message' && s.attrs['from'] === HOSTS.component, 5000);
    await bot.notifyNewSite(user, 'https://illyria.example/', { acceptLanguage: 'fr-FR,fr;q=0.9' });
    const french = await newSite;
    expect(french.attrs['xml:lang']).toBe('fr');
    expect(bodyOf(french)).toBe(
      [
        'Vous venez de vous connecter à https://illyria.example/ pour la première fois.',
        'Ce n’était pas vous\u202f? Dites «\u202frevoke https://illyria.example/\u202f» pour ne plus lui faire confiance, et «\u202fsignout all\u202f» pour fermer vos sessions.',
        'Dites «\u202fnotices off\u202f» pour ne plus recevoir ces messages.',
      ].join('\n'),
    );
    const security = nextStanza(olivia, (s) => s.name === 'message' && s.attrs['from'] === HOSTS.component, 5000);
    await bot.notifySecurity(user, text('bot.notice.recovery_code_used', { account: `${names.olivia}@localhost`, count: 1 }), { chosen: 'de', acceptLanguage: 'fr' });
    const german = await security;
    expect(german.attrs['xml:lang']).toBe('de');
    expect(bodyOf(german)).toBe(
      `Soeben wurde ein Wiederherstellungscode verwendet, um sich bei ${names.olivia}@localhost anzumelden; 1 Code ist übrig.\nDas waren nicht Sie? Melden Sie sich sofort an, prüfen Sie Ihre Identitätsseite und sagen Sie „signout all“, um Ihre Sitzungen zu beenden.`,
    );
  });
});

describe('the OpenID bot stays online', () => {
  it('reconnects after the component link drops, presence re-sent, visible in /readyz and /metrics', async () => {
    const romeo = await online(names.romeo);
    expect(await askText(romeo, 'help sites')).toMatch(/^sites:/); // romeo is a contact now
    const ready = await op.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', database: 'ok', xmpp_bots: [{ domain: 'localhost', kind: 'component', state: 'online', jid: HOSTS.component }] });

    const bot = op.app.get(OpenIdBot);
    const presence = nextStanza(romeo, (s) => s.name === 'presence' && s.attrs['from'] === HOSTS.component && s.attrs['type'] === undefined, 10_000);
    relay.drop();
    await until(() => !bot.online('localhost'), 3000, 'the bot offline');
    const degraded = await op.app.inject({ method: 'GET', url: '/readyz' });
    // Degraded, not unready: passwords and every OpenID endpoint still work without the bot.
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toMatchObject({ status: 'degraded', xmpp_bots: [{ domain: 'localhost', failures: 1 }] });
    expect(['offline', 'connecting']).toContain(degraded.json().xmpp_bots[0].state);
    const metricsDown = await op.app.inject({ method: 'GET', url: '/metrics' });
    expect(metricsDown.body).toMatch(/^xmpp_bot_online\{domain="localhost"\} 0$/m);

    await until(() => bot.online('localhost'), 10_000, 'the bot back online');
    await presence; // RFC 6121 §4.2 / XEP-0114: announced again to the contacts it knows
    expect(await askText(romeo, 'help sites')).toMatch(/^sites:/);
    expect((await op.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ok' });
    const metricsUp = await op.app.inject({ method: 'GET', url: '/metrics' });
    expect(metricsUp.body).toMatch(/^xmpp_bot_online\{domain="localhost"\} 1$/m);
    expect(metricsUp.body).toMatch(/^xmpp_bot_connection_failures\{domain="localhost"\} 1$/m);
  }, 30_000);

  it('never logs the component secret or a password', () => {
    const all = lines().join('\n');
    expect(all).not.toContain(PASSWORD);
  });
});
