import { CsrfFailure } from '../../src/http/csrf.js';
import { TlsRequired } from '../../src/http/http-pipeline.js';
import { InvalidInput } from '../../src/http/validation.js';
import { Locale, renderIn, text } from '../../src/i18n/locale.js';
import { UserExists } from '../../src/users/users.service.js';
import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// Issue 13 point 5: errors in the reader's language. Problem documents (RFC 9457 §3.1.4/§3.1.5:
// title and detail are for people) and error pages are in the negotiated language, said by
// Content-Language; what machines read (OpenID errors to an RP) and the log lines stay English.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };
const JSON_ACCEPT = { ...HTTPS, accept: 'application/json' };
const HTML_ACCEPT = { ...HTTPS, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('error messages in the reader\'s language', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, oidc: { clients: [{ client_id: 'spa', client_name: 'Single-page app', redirect_uris: ['https://app.example/callback'] }] } }));
  });
  afterAll(() => t.close());

  /** A CSRF cookie and its form token, as the login page hands them out. */
  async function csrf(): Promise<{ cookie: string; token: string }> {
    const page = await t.app.inject({ method: 'GET', url: '/login', headers: HTML_ACCEPT });
    const cookie = String([page.headers['set-cookie']].flat().find((c) => String(c).startsWith('__Host-op-csrf='))).split(';')[0]!;
    return { cookie, token: /name="csrf" value="([^"]+)"/.exec(page.body)![1]! };
  }

  it('answers a problem document in German, with Content-Language: de', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nothing/here', headers: { ...JSON_ACCEPT, 'accept-language': 'de-CH, en;q=0.5' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['content-language']).toBe('de');
    expect(res.json()).toEqual({
      type: 'urn:openid-provider:problem:not_found',
      title: 'Nicht gefunden',
      status: 404,
      detail: 'Unter dieser Adresse gibt es nichts.',
      code: 'not_found',
      requestId: res.headers['x-request-id'],
    });
  });

  it('says which fields were refused in German, the JSON pointers as they are', async () => {
    const { cookie, token } = await csrf();
    const res = await t.app.inject({
      method: 'POST',
      url: '/consent',
      headers: { ...JSON_ACCEPT, 'accept-language': 'de', cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf: token, request: 'a'.repeat(32), decision: 'everything', release: 'password' }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-language']).toBe('de');
    const body = res.json();
    expect(body).toMatchObject({ code: 'validation_failed', title: 'Ungültige Eingabe' });
    expect(body.errors).toEqual([
      { pointer: '#/decision', detail: 'muss einer der folgenden Werte sein: allow_once, allow_always, deny' },
      { pointer: '#/release', detail: expect.stringMatching(/^jeder Wert in release muss einer der folgenden Werte sein: nickname, email, /) },
    ]);
    expect(body.detail).toMatch(/^Die Anfrage konnte nicht gelesen werden: decision muss einer der folgenden Werte sein: allow_once, allow_always, deny; release jeder Wert in release /);
    expect(res.body).not.toContain('everything');
  });

  it('answers an unknown Host in German too', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/login', headers: { host: 'evil.example', 'x-forwarded-proto': 'https', 'accept-language': 'de' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-language']).toBe('de');
    expect(res.json()).toMatchObject({ code: 'unknown_domain', title: 'Unbekannte Domain', detail: 'Dieser Anbieter bedient evil.example nicht.' });
  });

  it('shows an HTML error page in French, <html lang="fr">', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nothing/here', headers: { ...HTML_ACCEPT, 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.8' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-language']).toBe('fr');
    expect(res.body).toMatch(/<html lang="fr"/);
    expect(res.body).toContain('<h1>Introuvable</h1>');
    expect(res.body).toContain('<p>Il n’y a rien à cette adresse.</p>');
    expect(res.body).toContain('Erreur <code>not_found</code> (HTTP 404) · requête <code>');
  });

  it('shows the expired form in French, from the switcher\'s choice', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/consent',
      headers: { ...HTML_ACCEPT, cookie: '__Host-lang=fr', 'accept-language': 'de', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'decision=deny',
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).toMatch(/<html lang="fr"/);
    expect(res.body).toContain('<h1>Formulaire expiré</h1>');
    expect(res.body).toContain('Ce formulaire n’est plus valide.');
  });

  it('shows an OpenID error to a person in French, with the protocol\'s own message for the site\'s developers', async () => {
    // OpenID 2.0 §9.1: no return_to and no realm: nowhere to send an answer, so a page.
    const query = new URLSearchParams({ 'openid.ns': 'http://specs.openid.net/auth/2.0', 'openid.mode': 'checkid_setup' });
    const res = await t.app.inject({ method: 'GET', url: `/openid?${query}`, headers: { ...HTML_ACCEPT, 'accept-language': 'fr' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-language']).toBe('fr');
    expect(res.body).toMatch(/<html lang="fr"/);
    expect(res.body).toContain('<h1>Requête OpenID refusée</h1>');
    expect(res.body).toMatch(/<p>Le site [^<]+ Pour les développeurs du site \(en anglais\)\u00a0: [A-Za-z]/);
  });

  it('keeps OpenID errors to relying parties in English, whatever their Accept-Language (they are for machines)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/openid',
      headers: { ...HTTPS, 'accept-language': 'de', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'openid.ns=http%3A%2F%2Fspecs.openid.net%2Fauth%2F2.0&openid.mode=dance',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-language']).toBeUndefined();
    expect(res.body).toMatch(/^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\nerror:[ -~]+\n/);
    expect(res.body).not.toMatch(/[äöüß]/);
  });

  it('answers the OpenID Connect provider\'s unknown paths in German too', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/oidc/nothing-here', headers: { ...JSON_ACCEPT, 'accept-language': 'de' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-language']).toBe('de');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'not_found', title: 'Nicht gefunden', detail: 'Unter dieser Adresse gibt es nichts.' });
  });

  it('writes English in log lines and Error messages, whatever the render under way', () => {
    const french = new Locale('fr');
    renderIn(french, () => {
      expect(new TlsRequired().message).toBe('This provider only accepts this request over HTTPS.');
      expect(new CsrfFailure().message).toBe('This form is no longer valid. Go back, reload the page and try again.');
      expect(new UserExists('romeo', 'example.org').message).toBe('romeo@example.org already exists');
      expect(new InvalidInput([{ name: 'decision', rule: 'missing', reason: text('errors.validation_failed.missing') }]).message).toBe('The request could not be read: decision is missing.');
      // ...while the same error, shown to the French reader, is French.
      expect(String(new CsrfFailure().title)).toBe('Formulaire expiré');
    });
  });
});
