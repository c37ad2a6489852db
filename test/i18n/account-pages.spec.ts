import { generateSync } from 'otplib';
import { UsersService } from '../../src/users/users.service.js';
import { Browser, decodeEntities, startProvider, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { uniqueName } from '../helpers/test-app.js';
import { testAddress } from '../security/browser.js';

// Issue 13 point 5 for the identity page, the factor pages, the discovery pages and the OpenID
// Connect pages: German and French by Accept-Language (<html lang>, Content-Language), dates in
// the person's time zone (the profile's, else the browser's `__Host-tz` cookie), the enrolment
// page's contract (the otpauth URI and the `code` input, DESIGN.md) in every language.

const PASSWORD = 'a good passphrase';
const REDIRECT = 'http://127.0.0.1:9/callback';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** The date format of the pages (src/i18n/locale.ts), written out here so that a change is seen. */
function formatted(lang: string, timeZone: string, iso: string): string {
  return new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(new Date(iso));
}

/** "HH:MM" of `iso` in `timeZone`, as `lang` writes hours. */
function clock(lang: string, timeZone: string, iso: string): string {
  const parts = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', timeZone, hourCycle: 'h23' }).formatToParts(new Date(iso));
  return `${parts.find((p) => p.type === 'hour')!.value}:${parts.find((p) => p.type === 'minute')!.value}`;
}

/** Every <time> of a page: its datetime, whether it waits for the browser's zone, and its text. */
function times(body: string): { iso: string; local: boolean; text: string }[] {
  return [...body.matchAll(/<time datetime="([^"]+)"( data-local)?>([^<]*)<\/time>/g)].map((m) => ({ iso: m[1]!, local: m[2] !== undefined, text: decodeEntities(m[3]!) }));
}

function csrfOf(page: BrowserResponse): string {
  return decodeEntities(/name="csrf" value="([^"]+)"/.exec(page.body)![1]!);
}

describe('account, discovery and OpenID Connect pages in German and French', () => {
  let op: LiveProvider;

  beforeAll(async () => {
    op = await startProvider({ oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: [REDIRECT] }] }, server: { trusted_proxies: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await op?.close();
  });

  /** A browser reading `lang`, from an address of its own (the login throttle counts per address). */
  const browser = (lang: string) => new Browser({ 'accept-language': lang, 'x-forwarded-for': testAddress() });

  async function newUser(profile: Record<string, string> = {}): Promise<string> {
    const name = uniqueName('viola');
    const users = op.app.get(UsersService);
    await users.create({ domain: 'localhost', username: name, password: PASSWORD });
    if (Object.keys(profile).length > 0) await users.updateProfile('localhost', name, profile);
    return name;
  }

  async function signIn(b: Browser, name: string): Promise<void> {
    const page = await b.request('GET', `${op.base}/login`);
    expect((await b.submit(page, { username: name, password: PASSWORD })).status).toBe(303);
  }

  it("shows the owner page in German, its dates in the profile's time zone (Asia/Tokyo)", async () => {
    const name = await newUser({ timezone: 'Asia/Tokyo', fullname: 'Viola' });
    const b = browser('de-DE,de;q=0.9,en;q=0.5');
    await signIn(b, name);
    const page = await b.request('GET', op.identifier(name));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="de">');
    expect(page.headers['content-language']).toBe('de');
    expect(page.body).toContain(`<title>${name}@localhost — Ihre OpenID · `);
    for (const words of ['Ihre OpenID-Kennung: <code>', 'Ihr Profil', 'Vollständiger Name', 'Standardmäßig teilen', 'Zweiter Faktor', 'Vertrauenswürdige Websites', 'Sitzungen', '<strong>(dieser Browser)</strong>', 'Letzte Anmeldungen', 'Angemeldet', 'Überall abmelden', 'Ihre eigene Web-Adresse verwenden']) {
      expect(page.body).toContain(words);
    }
    expect(page.body).not.toContain('Your profile');
    // The page loads the script that reports the browser's zone, which the server does not need here.
    expect(page.body).toContain('<script src="/assets/time-zone.js" defer></script>');
    const shown = times(page.body);
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const t of shown) {
      expect(t.local).toBe(false);
      expect(t.text).toBe(formatted('de', 'Asia/Tokyo', t.iso));
      // UTC+9 all year: the hour shown is Tokyo's, never UTC's.
      expect(t.text).toContain(clock('de', 'Asia/Tokyo', t.iso));
      expect(t.text).not.toContain(clock('de', 'UTC', t.iso));
    }
    expect(page.body).toMatch(/angemeldet am <time /);
  });

  it("shows the owner page in French in the browser's time zone (the __Host-tz cookie) when the profile has none, and in UTC marked for the script without either", async () => {
    const name = await newUser();
    const b = browser('fr');
    await signIn(b, name);
    const unknown = await b.request('GET', op.identifier(name));
    expect(unknown.body).toContain('<html lang="fr">');
    expect(unknown.headers['content-language']).toBe('fr');
    for (const t of times(unknown.body)) {
      expect(t.local).toBe(true);
      expect(t.text).toBe(formatted('fr', 'UTC', t.iso));
    }
    // /assets/time-zone.js sets this cookie on HTTPS pages.
    b.setCookie(op.base, '__Host-tz', encodeURIComponent('Asia/Kolkata'));
    const page = await b.request('GET', op.identifier(name));
    for (const words of ['Votre identifiant OpenID\u00a0: <code>', 'Votre profil', 'Numéro de téléphone <span class="meta">(format international, p. ex. +33 1 23 45 67 89)</span>', 'Second facteur', 'Sites de confiance', 'Identifiants privés', '<strong>(ce navigateur)</strong>', 'Connexions récentes', 'Se déconnecter partout']) {
      expect(page.body).toContain(words);
    }
    const shown = times(page.body);
    expect(shown.length).toBeGreaterThanOrEqual(3);
    for (const t of shown) {
      expect(t.local).toBe(false);
      expect(t.text).toBe(formatted('fr', 'Asia/Kolkata', t.iso));
      // UTC+05:30: the minutes differ from UTC's too.
      expect(t.text).toContain(clock('fr', 'Asia/Kolkata', t.iso));
      expect(t.text).not.toContain(clock('fr', 'UTC', t.iso));
    }
    // The profile's zone wins over the browser's.
    await op.app.get(UsersService).updateProfile('localhost', name, { timezone: 'America/Los_Angeles' });
    const own = await b.request('GET', op.identifier(name));
    for (const t of times(own.body)) expect(t.text).toBe(formatted('fr', 'America/Los_Angeles', t.iso));
  });

  it("keeps the switcher's choice over Accept-Language on the owner page", async () => {
    const name = await newUser();
    const b = browser('de');
    await signIn(b, name);
    const chose = await b.request('GET', `${op.base}/language?lang=fr&return=${encodeURIComponent(`/openid/${name}`)}`);
    expect(chose.status).toBe(303);
    expect(chose.headers.location).toBe(`/openid/${name}`);
    const page = await b.request('GET', op.identifier(name));
    expect(page.body).toContain('<html lang="fr">');
    expect(page.body).toContain('Sites de confiance');
  });

  it('adds an authenticator app in German: the otpauth URI as text and the `code` input stay (DESIGN.md), then the recovery codes', async () => {
    const name = await newUser();
    const b = browser('de');
    await signIn(b, name);
    const owner = await b.request('GET', op.identifier(name));
    expect(owner.body).toContain('Bei der Anmeldung wird nur Ihr Passwort abgefragt.');
    const begun = await b.request('POST', `${op.base}/account/factors/totp`, { csrf: csrfOf(owner) });
    expect(begun.status).toBe(303);
    const setup = await b.request('GET', `${op.base}${String(begun.headers.location)}`);
    expect(setup.status).toBe(200);
    expect(setup.body).toContain('<html lang="de">');
    expect(setup.headers['content-language']).toBe('de');
    expect(setup.body).toContain(`<title>Authenticator-App hinzufügen — ${name}@localhost · `);
    expect(setup.body).toContain(`Für <strong>${name}@localhost</strong>. Scannen Sie diesen Code mit Ihrer Authenticator-App`);
    expect(setup.body).toContain('aria-label="QR-Code des Schlüssels"');
    expect(setup.body).toContain('Der sechsstellige Code, den Ihre App gerade anzeigt <input type="text" name="code"');
    const uri = decodeEntities(/Schlüssel-URI: <code class="otpauth">([^<]+)<\/code>/.exec(setup.body)![1]!);
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    const secret = new URL(uri).searchParams.get('secret')!;
    const epoch = Math.floor(Date.now() / 1000);
    const wrong = await b.submit(setup, { code: generateSync({ secret, epoch: epoch - 600 }) });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('<p class="notice error" role="alert">Dieser Code stimmt nicht. Geben Sie die sechs Ziffern ein, die Ihre App gerade anzeigt.</p>');
    const codes = await b.submit(setup, { code: generateSync({ secret, epoch }) });
    expect(codes.status).toBe(200);
    expect(codes.body).toContain('<html lang="de">');
    expect(codes.body).toContain('<h1>Ihre Wiederherstellungscodes</h1>');
    expect(codes.body).toContain(`Bei der Anmeldung als <strong>${name}@localhost</strong> wird nun ihr Code abgefragt.`);
    expect(codes.body).toContain('<strong>Sie sehen sie nur jetzt</strong>');
    const after = await b.request('GET', op.identifier(name));
    expect(after.body).toContain('<span>Authenticator-App</span>');
    expect(after.body).toContain('Wiederherstellungscodes: 10 von 10 übrig (erstellt am <time ');
    expect(after.body).toContain('Authenticator-App hinzugefügt');
    // French too, with its plural ("restants").
    const fr = await b.request('GET', op.identifier(name), undefined, { 'accept-language': 'fr' });
    expect(fr.body).toContain('Codes de secours\u00a0: 10 restants sur 10');
    expect(fr.body).toContain('<span>Application d’authentification</span>');
  });

  it('shows the public identity page and the OP identifier page in French', async () => {
    const name = await newUser();
    const visitor = browser('fr-CA,fr;q=0.8');
    const page = await visitor.request('GET', op.identifier(name));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="fr">');
    expect(page.headers['content-language']).toBe('fr');
    expect(page.body).toContain(`<title>${name}@localhost — OpenID · `);
    expect(page.body).toContain(`Ceci est l’identifiant OpenID de <strong>${name}@localhost</strong>\u00a0: <code>${op.identifier(name)}</code>.`);
    expect(page.body).toContain(`<link rel="openid2.provider" href="${op.endpoint}">`);
    expect(page.body).not.toContain('Sites de confiance');
    const provider = await visitor.request('GET', op.endpoint);
    expect(provider.body).toContain('<html lang="fr">');
    expect(provider.body).toContain('<h1>OpenID pour localhost</h1>');
    expect(provider.body).toContain(`<code>${op.endpoint}/<em>nom-utilisateur</em></code>`);
  });

  async function authorize(b: Browser, extra: Record<string, string> = {}): Promise<BrowserResponse> {
    const params = new URLSearchParams({ client_id: 'spa', response_type: 'code', scope: 'openid profile', redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 's', ...extra });
    return b.follow(`${op.base}/oidc/auth?${params}`, op.base);
  }

  it('shows the OpenID Connect consent page in French', async () => {
    const name = await newUser({ fullname: 'Viola' });
    const b = browser('fr');
    const login = await authorize(b);
    expect(login.body).toContain('name="password"');
    const consent = await b.follow('', op.base, await b.submit(login, { username: name, password: PASSWORD }));
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('name="decision"');
    expect(consent.body).toContain('<html lang="fr">');
    expect(consent.headers['content-language']).toBe('fr');
    for (const words of [
      '<title>Se connecter à une application\u202f? · ',
      '<h1>Se connecter à cette application\u202f?</h1>',
      'Application <code>spa</code> · les réponses vont à http://127.0.0.1:9',
      `Vous êtes connecté en tant que <strong>${name}@localhost</strong>.`,
      '<legend>L’application demande</legend>',
      'Votre profil\u00a0: nom, pseudonyme',
      '<legend>Envoyer ces informations</legend>',
      'Nom complet\u00a0: <span class="value">Viola</span>',
      'Date de naissance\u00a0: <span class="meta">absent de votre profil</span>',
      '>Autoriser une fois</button>',
      '>Toujours autoriser</button>',
      '>Refuser</button>',
    ]) {
      expect(consent.body).toContain(words);
    }
    // The decision still goes through.
    const answer = await b.submit(consent, { decision: 'allow_once' });
    expect(String((await b.follow('', op.base, answer)).headers.location)).toContain(`${REDIRECT}?code=`);
  });

  it("follows the client's ui_locales (OpenID Connect Core 1.0 §3.1.2.1) on the consent page over Accept-Language, and advertises the languages (ui_locales_supported)", async () => {
    const name = await newUser();
    const b = browser('fr');
    const login = await authorize(b, { ui_locales: 'de-CH en' });
    const consent = await b.follow('', op.base, await b.submit(login, { username: name, password: PASSWORD }));
    expect(consent.body).toContain('<html lang="de">');
    expect(consent.body).toContain('<h1>Bei dieser Anwendung anmelden?</h1>');
    const discovery = await fetch(`${op.base}/.well-known/openid-configuration`);
    expect(((await discovery.json()) as { ui_locales_supported?: string[] }).ui_locales_supported).toEqual(['en', 'de', 'fr']);
  });

  it('shows an OpenID Connect error in German: our explanation, then the provider’s own description', async () => {
    const res = await fetch(`${op.base}/oidc/auth?${new URLSearchParams({ client_id: 'nobody', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`, {
      redirect: 'manual',
      headers: { accept: 'text/html', 'accept-language': 'de' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-language')).toBe('de');
    const html = await res.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<title>Unbekannte Anwendung · ');
    expect(html).toContain('<h1>Unbekannte Anwendung</h1>');
    expect(html).toMatch(/<p>Diese Anwendung ist bei diesem Anbieter nicht registriert\. Technische Angabe \(auf Englisch\): [^<]+<\/p>/);
    expect(html).toContain('<code>invalid_client</code>');
  });

  it('asks in German whether to sign out, and says so after (RP-Initiated Logout 1.0 §2, §4)', async () => {
    const name = await newUser();
    const b = browser('de');
    const login = await authorize(b);
    const consent = await b.follow('', op.base, await b.submit(login, { username: name, password: PASSWORD }));
    await b.follow('', op.base, await b.submit(consent, { decision: 'allow_once' }));
    // Signed in at the provider: its confirmation page, ours.
    const page = await b.request('GET', `${op.base}/oidc/session/end?client_id=spa`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html lang="de">');
    expect(page.headers['content-language']).toBe('de');
    expect(page.body).toContain('<title>Abmelden · ');
    expect(page.body).toContain('<h1>Abmelden?</h1>');
    expect(page.body).toContain(`<strong>Single-page app</strong> möchte Sie von localhost:${new URL(op.base).port} abmelden.`);
    expect(page.body).toContain('>Ja, abmelden</button>');
    expect(page.body).toContain('>Nein, angemeldet bleiben</button>');
    const xsrf = decodeEntities(/name="xsrf" value="([^"]+)"/.exec(page.body)![1]!);
    const done = await b.follow('', op.base, await b.request('POST', `${op.base}/oidc/session/end/confirm`, { xsrf, logout: 'yes' }));
    expect(done.status).toBe(200);
    expect(done.body).toContain('<html lang="de">');
    expect(done.body).toContain('<h1>Abgemeldet</h1>');
    expect(done.body).toContain('<p>Sie sind abgemeldet.</p>');
  });
});
