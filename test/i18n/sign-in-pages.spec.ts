import { generateSync } from 'otplib';
import { approvalPage } from '../../src/auth/approval/approval-page.js';
import { donePage, formPostPage } from '../../src/auth/checkid/checkid-pages.js';
import { SecondFactorService } from '../../src/auth/factors/second-factor.service.js';
import { waitText } from '../../src/auth/login/wait-text.js';
import { renderPage } from '../../src/http/pages.js';
import { Locale, renderIn, text } from '../../src/i18n/locale.js';
import { UsersService } from '../../src/users/users.service.js';
import { bootApp, testConfig, uniqueName, type TestApp } from '../helpers/test-app.js';
import { type Answer, InjectedBrowser } from '../security/browser.js';

// Issue 13 point 5 on the sign-in pages: the login page, the second-factor page, the consent page
// and the pages that end a checkid request speak the reader's language: the switcher's choice
// (its cookie), else the RP's openid.ui.lang (OpenID User Interface Extension 1.0 §4.2), else
// Accept-Language (RFC 9110 §12.5.4); <html lang> and Content-Language say which. The English
// pages are what every other suite asserts (they send no Accept-Language).

const PASSWORD = 'a good passphrase';
const NS = 'http://specs.openid.net/auth/2.0';
const NS_UI = 'http://specs.openid.net/extensions/ui/1.0';
const NS_SREG = 'http://openid.net/extensions/sreg/1.1';
const RP = 'https://rp.example';
const NNBSP = '\u202f';
const REDIRECT = 'http://127.0.0.1:9/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** A browser whose requests carry an Accept-Language header (none when `language` is undefined). */
class ReaderBrowser extends InjectedBrowser {
  constructor(
    t: TestApp,
    private readonly language?: string,
  ) {
    super(t.app, 'example.org');
  }

  override send(method: 'GET' | 'POST', url: string, payload: string | undefined, extra: Record<string, string>): Promise<Answer> {
    return super.send(method, url, payload, this.language === undefined ? extra : { 'accept-language': this.language, ...extra });
  }

  /** Follows redirects on this host (every hop with this browser's headers and cookies). */
  override async follow(url: string, first?: Answer): Promise<Answer> {
    let res = first ?? (await this.get(url));
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(String(res.headers.location), 'https://example.org/');
      if (next.host !== 'example.org') return res;
      res = await this.get(next.pathname + next.search);
    }
    return res;
  }
}

function checkid(fields: Record<string, string>): string {
  const select = `${NS}/identifier_select`;
  return `/openid?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'checkid_setup', 'openid.claimed_id': select, 'openid.identity': select, 'openid.return_to': `${RP}/return`, 'openid.realm': `${RP}/`, ...fields })}`;
}

function expectLanguage(page: Answer, lang: string): void {
  expect(page.body).toContain(`<html lang="${lang}">`);
  expect(page.headers['content-language']).toBe(lang);
}

describe('the sign-in pages in the reader\'s language', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(
      testConfig({
        server: { trusted_proxies: ['127.0.0.1'] },
        realm: { return_to_verification: 'off' },
        security: { login_rate_limit: { max_attempts_per_account: 3, backoff_base: 30 } },
        oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: [REDIRECT] }] },
      }),
    );
  });
  afterAll(() => t?.close());

  async function account(): Promise<string> {
    const username = uniqueName('romeo');
    await t.app.get(UsersService).create({ domain: 'example.org', username, password: PASSWORD, email: `${username}@example.org` });
    return username;
  }

  describe('the login page by Accept-Language', () => {
    it('German (de-CH falls back to de): the page, its title and its labels, the contract form unchanged', async () => {
      const page = await new ReaderBrowser(t, 'de-CH, en;q=0.5').get('/login');
      expect(page.status).toBe(200);
      expectLanguage(page, 'de');
      expect(page.body).toContain('<title>Anmelden — example.org · OpenID</title>');
      expect(page.body).toContain('<h1>Mit Ihrem example.org-Konto anmelden</h1>');
      expect(page.body).toContain('<label>Benutzername <input type="text" name="username"');
      expect(page.body).toContain('<label>Passwort <input type="password" name="password"');
      expect(page.body).toContain('Auf diesem Gerät angemeldet bleiben');
      expect(page.body).toContain('<button type="submit" name="method" value="password">Anmelden</button>');
      expect(page.body).not.toContain('Username');
      // The switcher, in each language's own name, the current one marked.
      expect(page.body).toContain('<nav aria-label="Sprache">');
      expect(page.body).toContain('<span lang="de" aria-current="true">Deutsch</span>');
      expect(page.body).toContain('<a href="/language?lang=fr&amp;return=%2Flogin" lang="fr" hreflang="fr">Français</a>');
    });

    it('French', async () => {
      const page = await new ReaderBrowser(t, 'fr-FR,fr;q=0.9').get('/login');
      expectLanguage(page, 'fr');
      expect(page.body).toContain('<title>Connexion — example.org · OpenID</title>');
      expect(page.body).toContain('<h1>Connectez-vous avec votre compte example.org</h1>');
      expect(page.body).toContain('<label>Nom d’utilisateur <input type="text" name="username"');
      expect(page.body).toContain('<label>Mot de passe <input type="password" name="password"');
      expect(page.body).toContain('>Se connecter</button>');
    });

    it('English without Accept-Language, or for a language we do not speak', async () => {
      for (const language of [undefined, 'ja, *;q=0.1']) {
        const page = await new ReaderBrowser(t, language).get('/login');
        expectLanguage(page, 'en');
        expect(page.body).toContain('<h1>Sign in with your example.org account</h1>');
      }
    });

    it('a wrong password says so in German (401, the form again); the throttle\'s wait in French, with its plural', async () => {
      const username = await account();
      const german = new ReaderBrowser(t, 'de');
      const wrong = await german.login({ username, password: 'not the password' });
      expect(wrong.status).toBe(401);
      expectLanguage(wrong, 'de');
      expect(wrong.body).toContain('<p class="notice error" role="alert">Falscher Benutzername oder falsches Passwort.</p>');
      expect(wrong.body).toContain('name="password"');

      const french = new ReaderBrowser(t, 'fr');
      expect((await french.login({ username, password: 'not the password' })).status).toBe(401);
      const throttled = await french.login({ username, password: 'not the password' });
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('30');
      expect(throttled.body).toContain('Trop de tentatives échouées. Réessayez dans 30 secondes.');
    });

    it('a form refused before any password is checked says why in French', async () => {
      const french = new ReaderBrowser(t, 'fr');
      const refused = await french.login({ username: 'x'.repeat(2000), password: PASSWORD });
      expect(refused.status).toBe(400);
      expect(refused.body).toContain(`Ce nom d’utilisateur est trop long${NNBSP}: aucun compte n’en a d’aussi long.`);
    });
  });

  describe('the RP\'s openid.ui.lang (OpenID UI Extension 1.0 §4.2) and the switcher', () => {
    it('ui.lang=fr gives a French login page to a browser whose Accept-Language is English', async () => {
      const browser = new ReaderBrowser(t, 'en-GB,en;q=0.9');
      const page = await browser.follow(checkid({ 'openid.ns.ui': NS_UI, 'openid.ui.lang': 'fr' }));
      expect(page.status).toBe(200);
      expectLanguage(page, 'fr');
      expect(page.body).toContain('<h1>Connectez-vous avec votre compte example.org</h1>');
      expect(page.body).toContain(`pour continuer vers <span class="realm">${RP}/</span>`);
      // Only under its namespace declaration (§3, OpenID 2.0 §12): without it the field is not the extension's.
      expectLanguage(await browser.follow(checkid({ 'openid.ui.lang': 'fr' })), 'en');
    });

    it('the switcher\'s cookie wins over ui.lang and Accept-Language; its way back keeps the request and drops other parameters', async () => {
      const browser = new ReaderBrowser(t, 'en');
      const first = await browser.get(checkid({ 'openid.ns.ui': NS_UI, 'openid.ui.lang': 'fr' }));
      const login = String(first.headers.location);
      const request = /^\/login\?request=([A-Za-z0-9_-]{32})$/.exec(login)![1]!;

      const switched = await browser.get(`/language?lang=de&return=${encodeURIComponent(`/login?request=${request}&utm_source=mail&fresh=1&fresh=1`)}`);
      expect(switched.status).toBe(303);
      expect(switched.headers.location).toBe(`/login?request=${request}`);
      expect(String(switched.headers['set-cookie'])).toMatch(/^__Host-lang=de; Path=\/; .*Max-Age=31536000/);

      const page = await browser.get(String(switched.headers.location));
      expect(page.status).toBe(200);
      expectLanguage(page, 'de');
      expect(page.body).toContain(`um mit <span class="realm">${RP}/</span> fortzufahren`);
      expect(page.body).toContain(`<input type="hidden" name="request" value="${request}">`);

      // The choice stays with the browser, on every page of the flow: the consent page too.
      const username = await account();
      const consent = await browser.follow('', await browser.submit(page, { username, password: PASSWORD }));
      expect(consent.status).toBe(200);
      expectLanguage(consent, 'de');
      expect(consent.body).toContain('<h1>Bei dieser Website anmelden?</h1>');
    });

    it('an OpenID Connect client\'s ui_locales (Core 1.0 §3.1.2.1) does the same for the login page of its interaction', async () => {
      const browser = new ReaderBrowser(t, 'en');
      const authorize = `/oidc/auth?${new URLSearchParams({ client_id: 'spa', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256', ui_locales: 'fr-CA de' })}`;
      const page = await browser.follow(authorize);
      expect(page.status).toBe(200);
      expect(page.body).toContain('name="interaction"');
      expectLanguage(page, 'fr');
      expect(page.body).toContain('pour continuer vers <span class="realm">Single-page app</span> <span class="meta">(application <code>spa</code> sur http://127.0.0.1:9)</span>');
    });

    it('the consent page of a ui.lang=fr request is French too', async () => {
      const username = await account();
      const browser = new ReaderBrowser(t);
      const login = await browser.follow(checkid({ 'openid.ns.ui': NS_UI, 'openid.ui.lang': 'fr-CA' }));
      const consent = await browser.follow('', await browser.submit(login, { username, password: PASSWORD }));
      expect(consent.status).toBe(200);
      expectLanguage(consent, 'fr');
      expect(consent.body).toContain(`<h1>Se connecter à ce site${NNBSP}?</h1>`);
    });
  });

  describe('the consent page by Accept-Language', () => {
    async function consentPage(language: string): Promise<{ browser: ReaderBrowser; page: Answer; username: string }> {
      const username = await account();
      const browser = new ReaderBrowser(t, language);
      expect((await browser.login({ username, password: PASSWORD })).status).toBe(303);
      const page = await browser.follow(checkid({ 'openid.ns.sreg': NS_SREG, 'openid.sreg.required': 'email', 'openid.sreg.optional': 'nickname' }));
      expect(page.status).toBe(200);
      return { browser, page, username };
    }

    it('German: the question, the fields asked for, the three decisions of the contract', async () => {
      const { page, username } = await consentPage('de');
      expectLanguage(page, 'de');
      expect(page.body).toContain('<title>Bei einer Website anmelden? · OpenID</title>');
      expect(page.body).toContain('<h1>Bei dieser Website anmelden?</h1>');
      expect(page.body).toContain(`Angemeldet als ${username}@example.org.`);
      expect(page.body).toContain('<legend>Bei dieser Website anmelden als</legend>');
      expect(page.body).toContain('<legend>Die Website bittet außerdem um</legend>');
      expect(page.body).toContain(`<strong>(von der Website verlangt)</strong>: <span class="value">${username}@example.org</span>`);
      expect(page.body).toContain('<span class="meta">nicht in Ihrem Profil</span>');
      expect(page.body).toContain('<button type="submit" name="decision" value="allow_once">Einmal erlauben</button>');
      expect(page.body).toContain('<button type="submit" name="decision" value="allow_always">Immer erlauben</button>');
      expect(page.body).toContain('<button type="submit" name="decision" value="deny" class="secondary">Ablehnen</button>');
    });

    it('French, with its typography (a narrow no-break space before "?" and ":")', async () => {
      const { page } = await consentPage('fr');
      expectLanguage(page, 'fr');
      expect(page.body).toContain(`<h1>Se connecter à ce site${NNBSP}?</h1>`);
      expect(page.body).toContain('<legend>Le site demande aussi</legend>');
      expect(page.body).toContain(`<strong>(exigé par le site)</strong>${NNBSP}: <span class="value">`);
      expect(page.body).toContain('>Autoriser une fois</button>');
      expect(page.body).toContain('>Toujours autoriser</button>');
      expect(page.body).toContain('>Refuser</button>');
    });

    it('the "done" page of a request with no return_to (OpenID 2.0 §9.1) speaks German too', async () => {
      const username = await account();
      const browser = new ReaderBrowser(t, 'de');
      expect((await browser.login({ username, password: PASSWORD })).status).toBe(303);
      const select = `${NS}/identifier_select`;
      const noReturn = `/openid?${new URLSearchParams({ 'openid.ns': NS, 'openid.mode': 'checkid_setup', 'openid.claimed_id': select, 'openid.identity': select, 'openid.realm': `${RP}/` })}`;
      const consent = await browser.follow(noReturn);
      expect(consent.status).toBe(200);
      const done = await browser.submit(consent, { decision: 'allow_once' });
      expect(done.status).toBe(200);
      expectLanguage(done, 'de');
      expect(done.body).toContain('<title>Angemeldet · OpenID</title>');
      expect(done.body).toContain('<h1>Fertig</h1>');
      expect(done.body).toContain(`Sie sind bei <span class="realm">${RP}/</span> angemeldet.`);
    });
  });

  describe('the second-factor page by Accept-Language', () => {
    /** An account with a confirmed authenticator app, signed in with its password: the code page is next. */
    async function codePage(language: string): Promise<{ browser: ReaderBrowser; page: Answer; username: string }> {
      const username = await account();
      const user = (await t.app.get(UsersService).find('example.org', username))!;
      const factors = t.app.get(SecondFactorService);
      const id = await factors.beginTotp(user);
      const secret = new URL((await factors.totpSetup(user, id))!.uri).searchParams.get('secret')!;
      expect(await factors.confirmTotp(user, id, generateSync({ secret, epoch: Math.floor(Date.now() / 1000) - 30 }))).toBe(true);
      const browser = new ReaderBrowser(t, language);
      const signedIn = await browser.login({ username, password: PASSWORD });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.location).toBe('/login/code');
      const page = await browser.get('/login/code');
      expect(page.status).toBe(200);
      return { browser, page, username };
    }

    it('German: the heading, who signs in, the code input of the contract, "remember this device" with its plural', async () => {
      const { page, username } = await codePage('de');
      expectLanguage(page, 'de');
      expect(page.body).toContain('<title>Zweiter Faktor — example.org · OpenID</title>');
      expect(page.body).toContain('<h1>Bestätigen Sie, dass Sie es sind</h1>');
      expect(page.body).toContain(`Anmeldung als <strong>${username}@example.org</strong>.`);
      expect(page.body).toContain('<label>Code aus Ihrer Authenticator-App oder ein Wiederherstellungscode <input type="text" name="code"');
      expect(page.body).toMatch(/Dieses Gerät \d+ Tage lang merken \(hier wird kein Code abgefragt;/);
      expect(page.body).toContain('<button type="submit">Weiter</button>');
    });

    it('French, and a wrong code answered in French', async () => {
      const { browser, page } = await codePage('fr');
      expectLanguage(page, 'fr');
      expect(page.body).toContain('<h1>Confirmez que c’est bien vous</h1>');
      expect(page.body).toMatch(/Mémoriser cet appareil pendant \d+ jours/);
      const wrong = await browser.submit(page, { code: '000000' });
      expect(wrong.status).toBe(401);
      expectLanguage(wrong, 'fr');
      expect(wrong.body).toContain('Code incorrect ou déjà utilisé.');
      const notACode = await browser.submit(page, { code: 'not a code!' });
      expect(notACode.status).toBe(400);
      expect(notACode.body).toContain(`Ce n’est pas un code${NNBSP}: saisissez les six chiffres`);
    });
  });
});

describe('the pages rendered in a locale (no request needed)', () => {
  const branding = { productName: 'OpenID' };
  const render = (options: Parameters<typeof renderPage>[0], lang: 'en' | 'de' | 'fr') => renderPage(options, branding, new Locale(lang));

  it('waitText: seconds under 90, else whole minutes rounded up, with each language\'s plural (CLDR)', () => {
    const say = (seconds: number, lang: 'en' | 'de' | 'fr') => renderIn(new Locale(lang), () => String(waitText(seconds)));
    expect([1, 30, 89, 90, 241].map((s) => say(s, 'en'))).toEqual(['1 second', '30 seconds', '89 seconds', '2 minutes', '5 minutes']);
    expect([1, 30, 60 * 60].map((s) => say(s, 'de'))).toEqual(['1 Sekunde', '30 Sekunden', '60 Minuten']);
    expect([1, 30, 61].map((s) => say(s, 'fr'))).toEqual(['1 seconde', '30 secondes', '61 secondes']);
    expect(say(60_000_000, 'fr')).toBe('1000000 de minutes');
  });

  it('the waiting page of a chat-app approval, in German and French', () => {
    const waiting = approvalPage({ kind: 'waiting', code: 'ABCD1234', site: text('login.approval.site.identity_page'), id: '0f8b7f6c-2c1e-4a8e-9d6b-1a2b3c4d5e6f', seconds: 300 }, 'c'.repeat(43), 'req-1');
    const de = render(waiting, 'de');
    expect(de).toContain('<title>In Ihrer Chat-App bestätigen — ABCD1234 · OpenID</title>');
    expect(de).toContain('<p>Anmeldung bei <span class="realm">Ihrer Identitätsseite</span>.</p>');
    expect(de).toContain('Ihre Chat-App zeigt den Code <strong class="code">ABCD1234</strong>');
    // The bot's commands stay as the bot reads them.
    expect(de).toContain('<kbd>yes ABCD1234</kbd>');
    expect(de).toContain('Die Anfrage läuft in 5 Minuten ab.');
    expect(de).toContain('<button type="submit">Abbrechen</button>');
    const fr = render(waiting, 'fr');
    expect(fr).toContain('<p>Connexion à <span class="realm">votre page d’identité</span>.</p>');
    expect(fr).toContain('La demande expire dans 5 minutes.');
    expect(render(waiting, 'en')).toContain('The request expires in 5 minutes.');
  });

  it('the finished page of a chat-app approval, in French', () => {
    const denied = approvalPage(
      { kind: 'finished', status: 403, title: text('login.approval.finished.denied.title'), message: text('login.approval.finished.denied.message'), loginUrl: '/login?request=abc' },
      'c'.repeat(43),
      'req-1',
    );
    const fr = render(denied, 'fr');
    expect(fr).toContain('<title>Refusée · OpenID</title>');
    expect(fr).toContain('<p class="notice" role="status">La connexion a été refusée depuis l’application de messagerie. Personne n’a été connecté.</p>');
    expect(fr).toContain('<a href="/login?request=abc">Retour à la page de connexion</a>');
    expect(fr).toContain('HTTP 403 · requête <code>req-1</code>');
  });

  it('the form that POSTs a long response, and the "done" page of a refusal, in French; values stay escaped', () => {
    const post = render(formPostPage(`${RP}/return`, [{ name: 'openid.mode', value: 'id_res' }]), 'fr');
    expect(post).toContain('<title>Retour vers le site · OpenID</title>');
    expect(post).toContain('<h1>Retour vers le site…</h1>');
    expect(post).toContain('<button type="submit">Continuer</button>');
    const refused = render(donePage('https://rp.example/<b>', false), 'fr');
    expect(refused).toContain('<h1>Connexion refusée</h1>');
    expect(refused).toContain('<span class="realm">https://rp.example/&lt;b&gt;</span> a été informé de votre refus.');
    // The end of an answered request has no language switcher: its address cannot be fetched again.
    for (const page of [post, refused]) expect(page).not.toContain('/language?');
    expect(renderPage(donePage(RP, true), branding, new Locale('de'), '/continue?request=abc')).not.toContain('/language?');
  });
});
