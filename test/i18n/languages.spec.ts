import fc from 'fast-check';
import { acceptedLanguages, lookup, negotiateLanguage } from '../../src/i18n/languages.js';
import { Locale, renderIn, text } from '../../src/i18n/locale.js';
import { localeOf, switcherPath } from '../../src/i18n/page-locale.js';

describe('language negotiation', () => {
  it('reads Accept-Language by weight, in header order among equals (RFC 9110 §12.5.4)', () => {
    expect(acceptedLanguages('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5')).toEqual(['fr-CH', 'fr', 'en', 'de', '*']);
    expect(acceptedLanguages('de;q=0.5, fr')).toEqual(['fr', 'de']);
    expect(acceptedLanguages('en;q=0, de')).toEqual(['de']);
    expect(acceptedLanguages('')).toEqual([]);
    expect(acceptedLanguages(undefined)).toEqual([]);
  });

  it('skips malformed elements instead of failing', () => {
    expect(acceptedLanguages('x<script>, de;q=abc, fr;;q=0.4, ,,en-GB;q=0.3')).toEqual(['de', 'fr', 'en-GB']);
  });

  it('falls back by truncation (RFC 4647 §3.4 Lookup), case-insensitively', () => {
    expect(lookup('de-CH')).toBe('de');
    expect(lookup('FR-ca')).toBe('fr');
    expect(lookup('de-Latn-x-private')).toBe('de');
    expect(lookup('es')).toBeUndefined();
    expect(lookup('*')).toBeUndefined();
    expect(lookup('enx')).toBeUndefined();
  });

  it('takes the switcher first, then ui.lang, then Accept-Language, then the default', () => {
    expect(negotiateLanguage({ chosen: 'fr', hints: ['de'], acceptLanguage: 'en', fallback: 'en' })).toBe('fr');
    expect(negotiateLanguage({ chosen: 'xx', hints: ['es', 'de-AT'], acceptLanguage: 'fr', fallback: 'en' })).toBe('de');
    expect(negotiateLanguage({ hints: ['es'], acceptLanguage: 'es, fr;q=0.5', fallback: 'en' })).toBe('fr');
    expect(negotiateLanguage({ acceptLanguage: 'es, pt', fallback: 'de' })).toBe('de');
  });

  it('never throws, whatever the headers (multi-byte, NUL, huge)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 100 }), (accept, cookie) => {
        const locale = localeOf({ 'accept-language': accept, cookie });
        expect(['en', 'de', 'fr']).toContain(locale.lang);
      }),
    );
    expect(localeOf({ 'accept-language': `${'de-'.repeat(100_000)}x` }).lang).toBe('en');
  });

  it('reads the switcher cookie and the time zone the browser reported', () => {
    const locale = localeOf({ cookie: 'other=1; __Host-lang=de; __Host-tz=Asia%2FTokyo', 'accept-language': 'fr' });
    expect(locale.lang).toBe('de');
    expect(locale.timeZone).toBe('Asia/Tokyo');
    expect(locale.zoneUnknown).toBe(false);
    // An unknown or malformed zone is no zone: UTC stands in, and the page says the zone is unknown.
    for (const tz of ['Mars%2FOlympus', '%E0%A4%A', 'Europe%2FParis%00', 'a'.repeat(100)]) {
      const l = localeOf({ cookie: `__Host-tz=${tz}` });
      expect(l.timeZone).toBe('UTC');
      expect(l.zoneUnknown).toBe(true);
    }
    // The person's profile zone comes before the browser's.
    expect(localeOf({ cookie: '__Host-tz=Asia%2FTokyo' }, { timeZone: 'Europe/Berlin' }).timeZone).toBe('Europe/Berlin');
  });
});

describe('the switcher’s way back', () => {
  it('is a path of ours with only the flow’s own parameters', () => {
    expect(switcherPath('/login?request=abc_DEF-123&next=https://evil.example')).toBe('/login?request=abc_DEF-123');
    expect(switcherPath('/login?interaction=x1&fresh=1')).toBe('/login?interaction=x1&fresh=1');
    expect(switcherPath('/openid/romeo')).toBe('/openid/romeo');
  });

  it('is never another site, nor the switcher itself (no open redirect)', () => {
    for (const evil of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/\u00e9', '/a b', '/language?lang=de', `/${'a'.repeat(3000)}`, '']) {
      expect(switcherPath(evil), evil).toBe('/');
    }
    expect(switcherPath('/login?request=a&request=b')).toBe('/login');
  });
});

describe('texts', () => {
  it('render in the locale of the render under way, English outside one', () => {
    const message = text('errors.unknown_language.title');
    expect(String(message)).toBe('Unknown language');
    expect(renderIn(new Locale('de'), () => String(message))).toBe('Unbekannte Sprache');
    expect(renderIn(new Locale('fr'), () => JSON.stringify({ title: message }))).toBe('{"title":"Langue inconnue"}');
  });

  it('escape the values of an entry with markup, not its markup', () => {
    const html = new Locale('en').th('errors.page.reference', { code: '<b>x</b>', status: 400, requestId: '"id"' });
    expect(html.value).toBe('Error <code>&lt;b&gt;x&lt;/b&gt;</code> (HTTP 400) · request <code>&quot;id&quot;</code>');
  });

  it('format dates in the reader’s language and time zone', () => {
    const at = new Date('2026-12-04T18:30:00Z');
    expect(new Locale('de', 'Europe/Berlin').when(at)).toContain('19:30');
    expect(new Locale('en', 'Asia/Tokyo').when(at)).toMatch(/Dec 5, 2026/);
    expect(new Locale('fr').when(at)).toMatch(/déc\. 2026/);
  });
});
