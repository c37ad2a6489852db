// Which language a page is in: the visitor's own choice (the switcher's cookie), then the
// languages a relying party passed on (OpenID User Interface Extension 1.0 §4.2 `ui.lang`),
// then the browser's Accept-Language (RFC 9110 §12.5.4), then the operator's default.
// Matching is RFC 4647 §3.4 "Lookup": a range matches a tag it equals, or of which it is a
// prefix ending at a hyphen ("de-CH" falls back to "de"). Pure functions.

export const LANGUAGES = ['en', 'de', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, as a switcher shows it. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', de: 'Deutsch', fr: 'Français' };

/** The cookie the switcher sets (not a secret: it says only which language was picked). */
export const LANGUAGE_COOKIE = 'lang';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** RFC 4647 §3.4: the supported language a tag falls back to by truncation, if any. */
export function lookup(tag: string): Language | undefined {
  // RFC 5646 §2.1.1: tags are case-insensitive; "*" (RFC 4647 §2.1) matches nothing by lookup.
  let range = tag.trim().toLowerCase();
  if (range.length === 0 || range.length > 64 || range === '*') return undefined;
  for (;;) {
    if (isLanguage(range)) return range;
    const cut = range.lastIndexOf('-');
    if (cut < 0) return undefined;
    range = range.slice(0, cut);
    // RFC 4647 §3.4: a single-letter subtag left at the end (an extension or private-use
    // singleton) goes with the truncation.
    if (range.length >= 2 && range.at(-2) === '-') range = range.slice(0, -2);
  }
}

/**
 * RFC 9110 §12.5.4 Accept-Language: the ranges by falling weight (q=0 means "not acceptable"),
 * in header order among equal weights. A malformed element is skipped, never an error; the
 * header is read up to a bound so that a huge one costs nothing.
 */
export function acceptedLanguages(header: string | undefined): string[] {
  if (header === undefined || header.length === 0) return [];
  const ranges: { range: string; q: number; at: number }[] = [];
  const parts = header.slice(0, 4096).split(',', 32);
  for (let at = 0; at < parts.length; at += 1) {
    const [range, ...params] = parts[at]!.split(';');
    const name = range!.trim();
    // RFC 4647 §2.1 language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*"
    if (!/^(?:[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)$/.test(name)) continue;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (m) q = Math.min(1, Number(m[1]));
    }
    if (q > 0) ranges.push({ range: name, q, at });
  }
  return ranges.sort((a, b) => b.q - a.q || a.at - b.at).map((r) => r.range);
}

export interface LanguageSources {
  /** The switcher's cookie: the visitor's explicit choice. */
  chosen?: string | undefined;
  /** OpenID UI Extension 1.0 §4.2 ui.lang, as the RP sent it (most preferred first). */
  hints?: readonly string[] | undefined;
  acceptLanguage?: string | undefined;
  fallback: Language;
}

export function negotiateLanguage(sources: LanguageSources): Language {
  if (isLanguage(sources.chosen)) return sources.chosen;
  for (const tag of sources.hints ?? []) {
    const found = lookup(tag);
    if (found) return found;
  }
  for (const range of acceptedLanguages(sources.acceptLanguage)) {
    const found = lookup(range);
    if (found) return found;
  }
  return sources.fallback;
}
