import { AuditService } from '../../src/audit/audit.service.js';
import { SessionService } from '../../src/auth/session/session.service.js';
import type { DomainConfig } from '../../src/config/config.schema.js';
import { Domains } from '../../src/config/domains.js';
import { TrustGrantsService } from '../../src/realm/trust-grants.service.js';
import type { User } from '../../src/users/user.entity.js';
import { UsersService } from '../../src/users/users.service.js';
import { BotCommandRunner } from '../../src/xmpp/bot/bot-command-runner.js';
import { OpenIdBot } from '../../src/xmpp/bot/openid-bot.service.js';
import { translate } from '../../src/i18n/locale.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';

// Issue 13 point 5, bot replies: the command runner answers in the language it is asked for
// (openid-bot.service.ts picks it from the stanza's xml:lang), with every time in the account's
// profile time zone (else UTC), through Locale.when: German and French here, the real chat with
// Prosody in bot.spec.ts.

const NBSP = '\u00a0';
const NNBSP = '\u202f';

/** The time as the runner must write it: the language's Intl format in that time zone. */
function when(lang: string, timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(at);
}

describe('the OpenID bot in German and French', () => {
  let t: TestApp;
  let runner: BotCommandRunner;
  let domain: DomainConfig;
  let users: UsersService;

  beforeAll(async () => {
    t = await bootApp(testConfig({ ui: { default_language: 'de' } }));
    runner = t.app.get(BotCommandRunner);
    domain = t.app.get(Domains).byName('example.org')!;
    users = t.app.get(UsersService);
  });
  afterAll(() => t?.close());

  async function person(timezone?: string): Promise<User> {
    return users.create({ domain: 'example.org', username: uniqueName('romeo'), password: 'a good passphrase', ...(timezone && { timezone }) });
  }

  it('explains the commands in each language, the command words as they are', async () => {
    const de = await runner.run(domain, 'nobody', { command: 'help' }, 'de');
    expect(de.split('\n')[0]).toBe('Ich verwalte Ihre OpenID-Anmeldungen. Befehle:');
    expect(de).toContain('\nrevoke <Website oder Nummer>: einer Website nicht mehr vertrauen (die Nummer aus „sites“)\n');
    expect(de).toContain('\nsignout all: überall abmelden\n');
    const fr = await runner.run(domain, 'nobody', { command: 'help', topic: 'share' }, 'fr');
    expect(fr).toBe(`share <champ> on|off${NBSP}: proposer une information aux sites par défaut, ou cesser de le faire (champs${NBSP}: nickname, email, fullname, dob, gender, postcode, country, language, timezone, phone)`);
    expect(await runner.run(domain, 'nobody', { command: 'help', topic: 'sites' })).toMatch(/^sites: the sites you trust/);
  });

  it('tells someone without an account where to sign in, in French', async () => {
    expect(await runner.run(domain, uniqueName('ghost'), { command: 'sites' }, 'fr')).toBe(
      `Vous n’avez pas encore de compte OpenID sur example.org${NBSP}: connectez-vous une fois sur https://example.org/login, puis redemandez.`,
    );
  });

  it('lists sites and sessions in German, times in the profile\'s time zone', async () => {
    const user = await person('Asia/Tokyo');
    const trust = t.app.get(TrustGrantsService);
    await trust.grant(user.id, 'https://verona.example/');
    await trust.grant(user.id, 'https://mantua.example/');
    expect(await runner.run(domain, user.username, { command: 'sites' }, 'de')).toBe(
      'Websites, die Sie ohne Nachfrage anmelden:\n1. https://verona.example/\n2. https://mantua.example/\nSagen Sie „revoke <Nummer>“, um einer davon nicht mehr zu vertrauen.',
    );
    expect(await runner.run(domain, user.username, { command: 'revoke', target: { index: 7 } }, 'de')).toBe('Es gibt keine Website mit der Nummer 7: Sagen Sie „sites“ für die Liste.');

    const sessions = t.app.get(SessionService);
    await sessions.create(user, { remember: false, userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', ip: '192.0.2.7' });
    await sessions.create(user, { remember: true, userAgent: 'curl/8.0', ip: '192.0.2.8', authMethod: 'xmpp' });
    const [first, second] = (await sessions.listActive(user.id)).sort((a, b) => (a.userAgent ?? '').localeCompare(b.userAgent ?? ''));
    const listed = await runner.run(domain, user.username, { command: 'sessions' }, 'de');
    expect(listed.split('\n')[0]).toBe('Angemeldet in 2 Browsern:');
    // The device named in German too (account.device.*).
    expect(listed).toContain(`- ${translate('de', 'account.device.on', { browser: 'Firefox', os: 'Linux' })}, angemeldet am ${when('de', 'Asia/Tokyo', second!.authTime)}`);
    expect(listed).toContain(`- curl, angemeldet am ${when('de', 'Asia/Tokyo', first!.authTime)} (im Chat bestätigt)`);
    // Tokyo's hour, said as such: not UTC's.
    expect(listed).toMatch(/GMT\+9/);
    expect(listed.split('\n').at(-1)).toBe('Sagen Sie „signout all“, um alle zu beenden.');
    expect(await runner.run(domain, user.username, { command: 'signout-all' }, 'de')).toBe('Überall abgemeldet: Jeder Browser muss sich neu anmelden.');
    expect(await runner.run(domain, user.username, { command: 'sessions' }, 'de')).toBe('Sie sind nirgends angemeldet.');
  });

  it('shows the history, the profile and what is shared in French', async () => {
    const user = await person('Europe/Paris');
    expect(await runner.run(domain, user.username, { command: 'history' }, 'fr')).toBe('Aucune connexion pour l’instant.');
    const audit = t.app.get(AuditService);
    await audit.record({ kind: 'assertion_approved', domain: 'example.org', userId: user.id, realm: 'https://verona.example/', ip: '192.0.2.9' });
    const [event] = await audit.recent(user.id, 1);
    expect(await runner.run(domain, user.username, { command: 'history' }, 'fr')).toBe(
      `Connexions récentes${NBSP}:\n- ${when('fr', 'Europe/Paris', event!.createdAt)}${NBSP}: connexion à https://verona.example/ depuis 192.0.2.9`,
    );

    await users.updateProfile('example.org', user.username, { email: 'romeo@verona.example' });
    expect(await runner.run(domain, user.username, { command: 'share', field: 'email', on: true }, 'fr')).toBe(
      'Le champ email est désormais proposé aux sites par défaut (vous confirmez toujours sur la page de consentement).',
    );
    expect(await runner.run(domain, user.username, { command: 'profile' }, 'fr')).toBe(
      [
        `Ce que les sites peuvent demander${NBSP}:`,
        `- email${NBSP}: romeo@verona.example (partagé par défaut)`,
        `- timezone${NBSP}: Europe/Paris`,
        `Dites «${NNBSP}share <champ> on|off${NNBSP}» pour changer ce qui est proposé par défaut.`,
      ].join('\n'),
    );
    expect(await runner.run(domain, user.username, { command: 'notices', on: false }, 'fr')).toBe(
      `Avis désactivés${NBSP}: je ne vous préviendrai plus des connexions à de nouveaux sites. Dites «${NNBSP}notices on${NNBSP}» pour annuler.`,
    );
  });

  it('writes times in UTC for an account without a time zone', async () => {
    const user = await person();
    await t.app.get(AuditService).record({ kind: 'login_succeeded', domain: 'example.org', userId: user.id });
    const [event] = await t.app.get(AuditService).recent(user.id, 1);
    expect(await runner.run(domain, user.username, { command: 'history' }, 'de')).toBe(`Letzte Anmeldungen:\n- ${when('de', 'UTC', event!.createdAt)}: angemeldet`);
    expect(when('de', 'UTC', event!.createdAt)).toMatch(/ UTC$/);
  });

  it('starts conversations in the language of the page that led to them, else ui.default_language', () => {
    const bot = t.app.get(OpenIdBot);
    expect(bot.readerLanguage({ acceptLanguage: 'fr-CH, de;q=0.5' })).toBe('fr');
    // The switcher's choice, then the RP's ui.lang (OpenID UI Extension 1.0 §4.2), then Accept-Language.
    expect(bot.readerLanguage({ chosen: 'en', hints: ['fr'], acceptLanguage: 'de' })).toBe('en');
    expect(bot.readerLanguage({ hints: ['fr-CA'], acceptLanguage: 'en' })).toBe('fr');
    expect(bot.readerLanguage({ acceptLanguage: 'ja, ko;q=0.5' })).toBe('de');
    expect(bot.readerLanguage(undefined)).toBe('de');
  });
});
