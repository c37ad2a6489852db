import { UsersService } from '../../src/users/users.service.js';
import { Browser, decodeEntities, startProvider, type BrowserResponse, type LiveProvider } from '../helpers/live.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { uniqueName } from '../helpers/test-app.js';
import { testAddress } from '../security/browser.js';

// Issue 13 point 5 for passkeys: the login page's "Use a passkey instead", the code page's "Use a
// passkey", the identity page's passkey section, the page that adds one and the recovery codes
// after it, in German ("Passkey") and French ("clé d’accès") by Accept-Language; the words the
// passkey script shows (data-* of the status line) and the refusals (the page, and the problem
// document a machine gets) in the same language.

const PASSWORD = 'a good passphrase';

function csrfOf(page: BrowserResponse): string {
  return decodeEntities(/name="csrf" value="([^"]+)"/.exec(page.body)![1]!);
}

/** The status line under a passkey button: the script's words (src/http/passkey-status.ts). */
function statusWords(body: string): Record<string, string> {
  const line = /<p class="notice error" role="alert" data-webauthn-status ([^>]*) hidden><\/p>/.exec(body);
  expect(line, 'the passkey status line').not.toBeNull();
  return Object.fromEntries([...line![1]!.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, decodeEntities(m[2]!)]));
}

describe('passkey pages in German and French', () => {
  let op: LiveProvider;
  beforeAll(async () => {
    op = await startProvider({ server: { trusted_proxies: ['127.0.0.1'] } });
  });
  afterAll(() => op?.close());

  /** A browser reading `lang`, from an address of its own (the login throttle counts per address). */
  const browser = (lang: string) => new Browser({ 'accept-language': lang, 'x-forwarded-for': testAddress() });

  async function newUser(): Promise<string> {
    const name = uniqueName('perdita');
    await op.app.get(UsersService).create({ domain: 'localhost', username: name, password: PASSWORD });
    return name;
  }

  async function passwordStep(b: Browser, name: string): Promise<BrowserResponse> {
    const page = await b.request('GET', `${op.base}/login`);
    return b.submit(page, { username: name, password: PASSWORD });
  }

  /** Signs in, adds a passkey named `label` from the identity page; answers the owner page before, the setup page and the answer. */
  async function enrol(b: Browser, name: string, authenticator: SoftAuthenticator, label: string): Promise<{ owner: BrowserResponse; setup: BrowserResponse; done: BrowserResponse }> {
    expect((await passwordStep(b, name)).status).toBe(303);
    const owner = await b.request('GET', op.identifier(name));
    expect((await b.request('POST', `${op.base}/account/factors/passkey`, { csrf: csrfOf(owner) })).status).toBe(303);
    const setup = await b.request('GET', `${op.base}/account/factors/passkey`);
    expect(setup.status).toBe(200);
    const options = await b.request('POST', `${op.base}/account/factors/passkey/options`, { csrf: csrfOf(setup) }, { accept: 'application/json' });
    expect(options.status).toBe(200);
    const done = await b.request('POST', `${op.base}/account/factors/passkey/register`, { csrf: csrfOf(setup), name: label, response: authenticator.create(JSON.parse(options.body), op.base) });
    return { owner, setup, done };
  }

  it('login page: "Use a passkey instead" in German and French, with the script’s words', async () => {
    const de = await browser('de').request('GET', `${op.base}/login`);
    expect(de.body).toContain('<html lang="de">');
    expect(de.headers['content-language']).toBe('de');
    expect(de.body).toMatch(/<button type="button" class="secondary" data-webauthn="authenticate" data-options="\/login\/passkey\/options" data-action="\/login\/passkey" hidden>Stattdessen einen Passkey verwenden<\/button>/);
    expect(de.body).toContain('<script src="/assets/passkeys.js" defer></script>');
    expect(statusWords(de.body)).toEqual({
      'not-allowed': 'Der Passkey wurde nicht verwendet (abgebrochen, oder es hat zu lange gedauert). Versuchen Sie es erneut.',
      'already-added': 'Dieser Passkey ist bereits hinzugefügt.',
      failed: 'Der Passkey konnte nicht verwendet werden. Versuchen Sie es erneut.',
      'options-failed': 'Der Passkey konnte nicht angefordert werden. Laden Sie die Seite neu und versuchen Sie es erneut.',
    });
    expect(de.body).not.toContain('Use a passkey');

    const fr = await browser('fr-FR,fr;q=0.9').request('GET', `${op.base}/login`);
    expect(fr.body).toContain('<html lang="fr">');
    expect(fr.headers['content-language']).toBe('fr');
    expect(decodeEntities(fr.body)).toContain('hidden>Utiliser plutôt une clé d’accès</button>');
    expect(statusWords(fr.body)['not-allowed']).toBe('La clé d’accès n’a pas été utilisée (annulation, ou délai dépassé). Réessayez.');
    // English stays English (the other browser suites find the buttons by these names).
    const en = await browser('en').request('GET', `${op.base}/login`);
    expect(en.body).toContain('hidden>Use a passkey instead</button>');
  });

  it('identity page, adding a passkey and the recovery codes after it, in German', async () => {
    const name = await newUser();
    const b = browser('de-DE,de;q=0.9');
    const { owner, setup, done } = await enrol(b, name, new SoftAuthenticator(), 'Mein Laptop');
    expect(owner.body).toContain('<html lang="de">');
    expect(owner.body).toContain('Bei der Anmeldung wird nur Ihr Passwort abgefragt. Fügen Sie eine Authenticator-App oder einen Passkey hinzu, damit zusätzlich danach gefragt wird.');
    expect(owner.body).toMatch(/<form method="post" action="\/account\/factors\/passkey" class="inline">[^]*?>Passkey hinzufügen<\/button><\/form>/);

    expect(setup.body).toContain('<html lang="de">');
    expect(setup.headers['content-language']).toBe('de');
    expect(setup.body).toContain(`<title>Passkey hinzufügen — ${name}@localhost · `);
    expect(setup.body).toContain('<h1>Passkey hinzufügen</h1>');
    expect(setup.body).toContain('dieser Anbieter speichert nur seinen öffentlichen Schlüssel.');
    expect(setup.body).toContain('Zum Hinzufügen eines Passkeys brauchen Sie einen Browser, der Passkeys unterstützt, mit aktiviertem JavaScript.');
    // The name offered for the first passkey, in German too (the same word).
    expect(setup.body).toContain('<label>Ein Name dafür <input type="text" name="name" value="Passkey"');
    expect(setup.body).toContain('hidden>Passkey erstellen</button>');
    expect(statusWords(setup.body)['already-added']).toBe('Dieser Passkey ist bereits hinzugefügt.');

    expect(done.status).toBe(200);
    expect(done.body).toContain('<h1>Ihre Wiederherstellungscodes</h1>');
    expect(done.body).toContain(`Ihr Passkey ist hinzugefügt: Bei der Anmeldung als <strong>${name}@localhost</strong> mit Ihrem Passwort wird nun danach gefragt.`);
    expect(done.body).toContain('falls Sie Ihren zweiten Faktor verlieren');

    const after = await b.request('GET', op.identifier(name));
    expect(after.body).toContain('Mein Laptop <span class="meta">(Passkey)</span>');
    expect(after.body).toMatch(/action="\/account\/factors\/passkey\/[0-9a-f-]{36}\/remove"[^]*?>Entfernen<\/button>/);
    // The history names the event in German.
    expect(after.body).toContain('Passkey hinzugefügt');
    expect(after.body).not.toContain('Added a passkey');
  });

  it('identity page and the code page with "Use a passkey" in French; a refused passkey said in French on the page and in the problem document', async () => {
    const name = await newUser();
    const b = browser('fr');
    const authenticator = new SoftAuthenticator();
    const { setup, done } = await enrol(b, name, authenticator, 'Mon ordinateur');
    expect(setup.body).toContain('<html lang="fr">');
    expect(decodeEntities(setup.body)).toContain(`<title>Ajouter une clé d’accès — ${name}@localhost · `);
    expect(decodeEntities(setup.body)).toContain('<label>Un nom pour la reconnaître <input type="text" name="name" value="Clé d’accès"');
    expect(decodeEntities(setup.body)).toContain('hidden>Créer la clé d’accès</button>');
    expect(decodeEntities(done.body)).toContain(`Votre clé d’accès est ajoutée\u00a0: la connexion à <strong>${name}@localhost</strong> avec votre mot de passe la demande désormais.`);

    const owner = await b.request('GET', op.identifier(name));
    const ownerText = decodeEntities(owner.body);
    expect(ownerText).toContain('Mon ordinateur <span class="meta">(clé d’accès)</span>');
    expect(ownerText).toContain('>Ajouter une clé d’accès</button>');
    expect(ownerText).toContain('Clé d’accès ajoutée');
    // The next passkey is offered a numbered name.
    expect((await b.request('POST', `${op.base}/account/factors/passkey`, { csrf: csrfOf(owner) })).status).toBe(303);
    const second = await b.request('GET', `${op.base}/account/factors/passkey`);
    expect(decodeEntities(second.body)).toContain('name="name" value="Clé d’accès 2"');

    // The code page after the password: a passkey and recovery codes, no authenticator app.
    const c = browser('fr');
    const step = await passwordStep(c, name);
    expect(step.headers.location).toBe('/login/code');
    const code = await c.request('GET', `${op.base}/login/code`);
    expect(code.body).toContain('<html lang="fr">');
    expect(code.headers['content-language']).toBe('fr');
    const codeText = decodeEntities(code.body);
    expect(codeText).toContain('<label>Un code de récupération <input type="text" name="code"');
    expect(codeText).toMatch(/data-action="\/login\/code\/passkey" hidden>Utiliser une clé d’accès<\/button>/);
    expect(statusWords(code.body).failed).toBe('La clé d’accès n’a pas pu être utilisée. Réessayez.');

    // A refused passkey: the code page again with the reason in French…
    const optionsOf = async () => JSON.parse((await c.request('POST', `${op.base}/login/code/passkey/options`, { csrf: csrfOf(code) }, { accept: 'application/json' })).body);
    const page = await c.request('POST', `${op.base}/login/code/passkey`, { csrf: csrfOf(code), response: authenticator.get(await optionsOf(), op.base, { origin: 'https://evil.example' }) });
    expect(page.status).toBe(400);
    expect(page.body).toContain('<html lang="fr">');
    expect(decodeEntities(page.body)).toContain('<p class="notice error" role="alert">La clé d’accès a été utilisée sur un autre site que celui-ci.</p>');
    // …and the problem document a machine (or the page's script) gets, in French too.
    const problem = await c.request('POST', `${op.base}/login/code/passkey`, { csrf: csrfOf(code), response: authenticator.get(await optionsOf(), op.base, { badSignature: true }) }, { accept: 'application/json' });
    expect(problem.status).toBe(401);
    expect(JSON.parse(problem.body)).toMatchObject({ code: 'passkey_refused', reason: 'bad_signature', title: 'Clé d’accès refusée', detail: 'La signature de la clé d’accès est incorrecte.' });
  });

  it('the passkey errors of the script’s requests follow the language it asks in (Accept-Language: the page’s <html lang>)', async () => {
    // No sign-in waits for a second factor in this browser: the code page's options are refused.
    const b = new Browser({ 'x-forwarded-for': testAddress() });
    const login = await b.request('GET', `${op.base}/login`);
    const de = await b.request('POST', `${op.base}/login/code/passkey/options`, { csrf: csrfOf(login) }, { accept: 'application/json', 'accept-language': 'de' });
    expect(de.status).toBe(401);
    expect(JSON.parse(de.body)).toMatchObject({ code: 'second_factor_not_pending', title: 'Erneut anmelden', detail: 'Ihre Anmeldung ist abgelaufen, bevor der zweite Faktor angegeben wurde. Melden Sie sich erneut an.' });
    const fr = await b.request('POST', `${op.base}/login/code/passkey/options`, { csrf: csrfOf(login) }, { accept: 'application/json', 'accept-language': 'fr' });
    expect(JSON.parse(fr.body)).toMatchObject({ title: 'Reconnectez-vous', detail: 'Votre connexion a expiré avant que le second facteur soit fourni. Reconnectez-vous.' });
    const en = await b.request('POST', `${op.base}/login/code/passkey/options`, { csrf: csrfOf(login) }, { accept: 'application/json' });
    expect(JSON.parse(en.body)).toMatchObject({ title: 'Sign in again', detail: 'Your sign-in timed out before the second factor was given. Sign in again.' });
  });
});
