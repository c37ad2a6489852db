import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CATALOGUES } from '../../src/i18n/catalogues.js';
import type { Catalogue } from '../../src/i18n/catalogue.js';
import { LANGUAGES, type Language } from '../../src/i18n/languages.js';
import { registeredViews } from '../../src/http/views.js';

// Issue 13 point 5: "a test fails when a catalogue misses a key", and no words outside the
// catalogues. Every language has every key (with the plural forms its CLDR rules need), the same
// {{values}} and the same markup; every key the code names exists; no template has words of
// its own.

const SRC = join(import.meta.dirname, '../../src');
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(catalogue: Catalogue, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(catalogue)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

/** Keys with their plural suffix taken off: the entries a translation must have. */
function entries(lang: Language): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, value] of flatten(CATALOGUES[lang])) {
    const base = key.replace(PLURAL, '');
    out.set(base, [...(out.get(base) ?? []), value]);
  }
  return out;
}

const values = (texts: string[]): string[] => [...new Set(texts.flatMap((t) => [...t.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]!)))].sort();
const tags = (texts: string[]): string[] => [...new Set(texts.flatMap((t) => [...t.matchAll(/<\/?([a-z]+)[^>]*>/g)].map((m) => m[0]!)))].sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('message catalogues', () => {
  const english = entries('en');

  it('has entries at all', () => {
    expect(english.size).toBeGreaterThan(5);
  });

  for (const lang of LANGUAGES) {
    it(`${lang}: has every key of every other language, with the same values and markup`, () => {
      const mine = entries(lang);
      for (const other of LANGUAGES) {
        const missing = [...entries(other).keys()].filter((k) => !mine.has(k));
        expect(missing, `${lang} lacks keys that ${other} has`).toEqual([]);
      }
      for (const [key, texts] of mine) {
        const en = english.get(key);
        if (!en) continue;
        expect(values(texts), `${lang} ${key}: {{values}}`).toEqual(values(en));
        expect(tags(texts), `${lang} ${key}: markup`).toEqual(tags(en));
      }
    });

    it(`${lang}: every plural has the forms its plural rules need (CLDR, through Intl.PluralRules)`, () => {
      const needed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      const plurals = new Map<string, Set<string>>();
      for (const key of flatten(CATALOGUES[lang]).keys()) {
        const m = PLURAL.exec(key);
        if (m) plurals.set(key.replace(PLURAL, ''), (plurals.get(key.replace(PLURAL, '')) ?? new Set()).add(m[1]!));
      }
      for (const key of new Set([...flatten(CATALOGUES.en).keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')))) {
        expect([...needed].filter((c) => c !== 'zero' && !plurals.get(key)?.has(c)), `${lang} ${key}: plural forms`).toEqual([]);
      }
    });

    it(`${lang}: no entry is empty or left in English by mistake (identical to English only where a word is the same)`, () => {
      for (const [key, texts] of entries(lang)) for (const t of texts) expect(t.trim(), `${lang} ${key}`).not.toBe('');
    });
  }

  it('every key the code names is in the catalogue', () => {
    const flat = new Set(flatten(CATALOGUES.en).keys());
    const bases = new Set([...flat].map((k) => k.replace(PLURAL, '')));
    const missing: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (file.includes(`${join('src', 'i18n', 'locales')}`)) continue;
      const code = readFileSync(file, 'utf8');
      // t('key'), th('key'), text('key'), translate(lang, 'key'), botText('key'): the literal keys.
      for (const m of code.matchAll(/\b(?:t|th|text|tr|translate\([^,()]+,)\s*\(?\s*'([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)'/g)) {
        if (!bases.has(m[1]!) && !flat.has(m[1]!)) missing.push(`${relative(SRC, file)}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('templates', () => {
  it('hold no words of their own: text and text attributes come from the catalogues', async () => {
    // Load every module that registers a view.
    for (const file of sourceFiles(SRC)) {
      if (readFileSync(file, 'utf8').includes('defineView(')) await import(pathToFileURL(file).href);
    }
    const views = registeredViews();
    expect(views.size).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const [name, source] of views) {
      // Eta tags are code; comments say nothing to readers; attributes that are not read out
      // (class, href, name...) are markup.
      const markup = source.replace(/<%[\s\S]*?%>/g, ' ').replace(/<!--[\s\S]*?-->/g, ' ');
      const spoken = [...markup.matchAll(/\s(?:alt|title|placeholder|aria-label|aria-description|label)="([^"]*)"/g)].map((m) => m[1]!);
      const textNodes = markup
        .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
        .replace(/<[^>]*>/g, ' ')
        .replace(/&[a-z]+;|&#\d+;/g, ' ');
      for (const piece of [...spoken, textNodes]) {
        const words = piece.match(/\p{L}[\p{L}\p{N}'’-]*/gu);
        if (words) offenders.push(`${name}: ${words.slice(0, 8).join(' ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
