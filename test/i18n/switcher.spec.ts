import { bootApp, testConfig, type TestApp } from '../helpers/test-app.js';

// Issue 13 point 5: the page language follows Accept-Language, a switcher remembers the choice
// (DESIGN.md "Languages": `<html lang>` says which), and ui.default_language is the operator's
// fallback.

const HTTPS = { host: 'example.org', 'x-forwarded-proto': 'https' };

describe('the page language', () => {
  let t: TestApp;
  let german: TestApp;

  beforeAll(async () => {
    t = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] } }));
    german = await bootApp(testConfig({ server: { trusted_proxies: ['127.0.0.1'] }, ui: { default_language: 'de' } }));
  });
  afterAll(async () => {
    await t.close();
    await german.close();
  });

  const page = (app: TestApp, headers: Record<string, string> = {}) => app.app.inject({ method: 'GET', url: '/login', headers: { ...HTTPS, accept: 'text/html', ...headers } });

  it('follows Accept-Language, says so in <html lang> and Content-Language, and offers the others', async () => {
    for (const [accept, lang] of [
      ['de-DE,de;q=0.9,en;q=0.5', 'de'],
      ['fr-CA', 'fr'],
      ['es, en;q=0.1', 'en'],
      ['', 'en'],
    ] as const) {
      const res = await page(t, { 'accept-language': accept });
      expect(res.statusCode, accept).toBe(200);
      expect(res.body, accept).toContain(`<html lang="${lang}">`);
      expect(res.headers['content-language'], accept).toBe(lang);
      // The switcher names each language in itself, the current one marked.
      expect(res.body).toMatch(new RegExp(`<span lang="${lang}" aria-current="true">`));
      for (const other of ['en', 'de', 'fr'].filter((l) => l !== lang)) expect(res.body).toContain(`href="/language?lang=${other}&amp;return=%2Flogin"`);
    }
  });

  it('remembers the switcher’s choice over Accept-Language, and goes back to the page it came from', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/language?lang=fr&return=%2Flogin%3Frequest%3Dabc123%26next%3Dhttps%3A%2F%2Fevil.example', headers: HTTPS });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?request=abc123');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-lang=fr; Path=\/; SameSite=Lax; Secure; HttpOnly; Max-Age=31536000$/);
    const after = await page(t, { 'accept-language': 'de', cookie: '__Host-lang=fr' });
    expect(after.body).toContain('<html lang="fr">');
  });

  it('never sends the visitor to another site', async () => {
    for (const back of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '/\t/evil.example']) {
      const res = await t.app.inject({ method: 'GET', url: `/language?lang=de&return=${encodeURIComponent(back)}`, headers: HTTPS });
      expect(res.statusCode, back).toBe(303);
      expect(res.headers.location, back).toBe('/');
    }
  });

  it('refuses a language it does not offer with a structured error in the reader’s language', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/language?lang=xx', headers: { ...HTTPS, accept: 'application/json', 'accept-language': 'de' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-language']).toBe('de');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'unknown_language', title: 'Unbekannte Sprache', detail: expect.stringContaining('en, de, fr') });
    const nul = await t.app.inject({ method: 'GET', url: '/language?lang=%00de', headers: { ...HTTPS, accept: 'text/html' } });
    expect(nul.statusCode).toBe(400);
    expect(nul.body).toContain('<html lang="en">');
  });

  it('falls back to the operator’s ui.default_language', async () => {
    const res = await page(german, { 'accept-language': 'es' });
    expect(res.body).toContain('<html lang="de">');
    expect((await page(german, { 'accept-language': 'fr' })).body).toContain('<html lang="fr">');
  });
});
