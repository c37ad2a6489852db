import i18next, { type i18n as I18n } from 'i18next';
import { Html } from '../http/html.js';
import { CATALOGUES } from './catalogues.js';
import { LANGUAGES, type Language } from './languages.js';

// The language and time zone a page or a message is rendered in, and the one place text comes
// from: i18next over our catalogues (src/i18n/locales/<language>/*.ts). Templates get `it.t`
// (text, escaped by the template), `it.th` (a catalogue entry that carries its own markup, with
// every value escaped) and `it.when` (a date in the reader's language and time zone).
//
// Rendering is synchronous, so the locale of the render under way is a plain module variable
// (renderIn), not an AsyncLocalStorage: views and texts made earlier (view(), text()) render
// lazily, in the locale of the page that finally shows them.

export type Vars = Readonly<Record<string, unknown>>;

const engine: I18n = i18next.createInstance();
void engine.init({
  resources: Object.fromEntries(LANGUAGES.map((lang) => [lang, { translation: CATALOGUES[lang] }])),
  lng: 'en',
  fallbackLng: false,
  supportedLngs: [...LANGUAGES],
  // Templates escape what they print; th() escapes the values it interpolates.
  interpolation: { escapeValue: false },
  returnNull: false,
  returnEmptyString: false,
  initAsync: false,
});

const fixed = new Map(LANGUAGES.map((lang) => [lang, engine.getFixedT(lang)]));

/** A key no catalogue has renders as itself; the catalogue test makes sure none does. */
export function translate(lang: Language, key: string, vars?: Vars): string {
  return fixed.get(lang)!(key, resolveVars(vars) as Record<string, unknown>);
}

function resolveVars(vars: Vars | undefined): Vars | undefined {
  if (vars === undefined) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(vars)) {
    if (value instanceof Text || value instanceof Html) {
      out ??= { ...vars };
      out[name] = String(value);
    }
  }
  return out ?? vars;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(lang: Language, timeZone: string): Intl.DateTimeFormat {
  const key = `${lang} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' });
    // Bounded: three languages times the time zones people actually have.
    if (formats.size >= 2048) formats.clear();
    formats.set(key, format);
  }
  return format;
}

/** Whether Intl knows this IANA time zone name (an unknown one would throw when formatting). */
export function isTimeZone(value: string): boolean {
  if (value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export class Locale {
  /** An IANA time zone Intl knows (isTimeZone): the reader's, or UTC while theirs is unknown. */
  readonly timeZone: string;
  /** Whether the reader's time zone is unknown (UTC stands in; /assets/time-zone.js rewrites the times). */
  readonly zoneUnknown: boolean;

  constructor(
    readonly lang: Language,
    timeZone?: string,
  ) {
    this.timeZone = timeZone ?? 'UTC';
    this.zoneUnknown = timeZone === undefined;
  }

  // Texts among the values render in this locale too (renderIn), also when called after an await.
  readonly t = (key: string, vars?: Vars): string => renderIn(this, () => translate(this.lang, key, vars));

  /** A catalogue entry with markup of its own (ours, trusted); the values are escaped. */
  readonly th = (key: string, vars?: Vars): Html =>
    renderIn(this, () => {
      const escaped: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(vars ?? {})) {
        escaped[name] = value instanceof Html ? value.value : typeof value === 'number' ? value : escapeHtml(value);
      }
      return new Html(translate(this.lang, key, escaped));
    });

  readonly when = (at: Date | string): string => dateFormat(this.lang, this.timeZone).format(typeof at === 'string' ? new Date(at) : at);
}

export const DEFAULT_LOCALE = new Locale('en');

let current: Locale = DEFAULT_LOCALE;

/** Renders in `locale`: the views and texts that fn turns into strings speak its language. */
export function renderIn<T>(locale: Locale, fn: () => T): T {
  const previous = current;
  current = locale;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

export function currentLocale(): Locale {
  return current;
}

/**
 * A catalogue text not yet rendered: made where the words are chosen (a service, an error), turned
 * into a string in the language of the page or message that shows it.
 */
export class Text {
  constructor(
    readonly key: string,
    readonly vars?: Vars,
  ) {}

  in(locale: Locale): string {
    return locale.t(this.key, this.vars);
  }

  toString(): string {
    return this.in(current);
  }

  toJSON(): string {
    return this.toString();
  }
}

export function text(key: string, vars?: Vars): Text {
  return new Text(key, vars);
}

/** In English whatever the render under way: for log lines, and for what machines read (OpenID errors to an RP). */
export function inEnglish(value: string | Text): string {
  return typeof value === 'string' ? value : value.in(DEFAULT_LOCALE);
}
