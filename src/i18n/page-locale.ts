import type { IncomingHttpHeaders } from 'node:http';
import { LANGUAGE_COOKIE, negotiateLanguage, type Language, type LanguageSources } from './languages.js';
import { isTimeZone, Locale } from './locale.js';

// The locale of a page from its request: the language (languages.ts) and the time zone, which is
// the person's own (their profile's time zone, when the page knows who they are), else the one
// their browser reported (/assets/time-zone.js sets the `tz` cookie), else UTC.

/** The cookie /assets/time-zone.js sets from Intl.DateTimeFormat().resolvedOptions().timeZone. */
export const TIME_ZONE_COOKIE = 'tz';

export interface LocaleHints {
  /** OpenID User Interface Extension 1.0 §4.2 ui.lang. */
  languages?: readonly string[] | undefined;
  timeZone?: string | undefined;
}

/** What a browser says of its reader's languages: the switcher's choice and Accept-Language. */
export type StatedLanguages = Pick<LanguageSources, 'chosen' | 'acceptLanguage'>;

export function statedLanguages(headers: IncomingHttpHeaders): StatedLanguages {
  const cookies = cookieValues(headers.cookie);
  return {
    // RFC 6265bis §4.1.3.2: the secure name where the page is HTTPS, the plain one in plain-HTTP development.
    chosen: cookies.get(`__Host-${LANGUAGE_COOKIE}`) ?? cookies.get(LANGUAGE_COOKIE),
    acceptLanguage: typeof headers['accept-language'] === 'string' ? headers['accept-language'] : undefined,
  };
}

/** `fallback`: the operator's default language (ui.default_language), for visitors who state none we speak. */
export function localeOf(headers: IncomingHttpHeaders, hints: LocaleHints = {}, fallback: Language = 'en'): Locale {
  const cookies = cookieValues(headers.cookie);
  const lang = negotiateLanguage({ ...statedLanguages(headers), hints: hints.languages, fallback });
  const browserZone = decodeZone(cookies.get(`__Host-${TIME_ZONE_COOKIE}`) ?? cookies.get(TIME_ZONE_COOKIE));
  const timeZone = [hints.timeZone, browserZone].find((zone): zone is string => zone !== undefined && isTimeZone(zone));
  return new Locale(lang, timeZone);
}

function decodeZone(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const zone = decodeURIComponent(raw);
    // IANA names: letters, digits, "/", "_", "+", "-" (e.g. America/Argentina/Buenos_Aires, Etc/GMT+5).
    return /^[A-Za-z0-9/_+-]{1,64}$/.test(zone) ? zone : undefined;
  } catch {
    return undefined;
  }
}

/** The cookies of a Cookie header (RFC 6265 §5.4), read up to a bound; the first of a name wins. */
function cookieValues(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined) return out;
  for (const part of header.slice(0, 8192).split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if ((name === LANGUAGE_COOKIE || name === TIME_ZONE_COOKIE || name === `__Host-${LANGUAGE_COOKIE}` || name === `__Host-${TIME_ZONE_COOKIE}`) && !out.has(name)) {
      out.set(name, part.slice(eq + 1).trim());
    }
  }
  return out;
}

/**
 * The query parameters of our pages that say which flow a page belongs to (a pending OpenID
 * request, an OpenID Connect interaction, a fresh sign-in): the switcher keeps them. Any other
 * parameter is one the page ignores (a decorated link), so the way back drops it.
 */
const FLOW_PARAMETERS = ['request', 'interaction', 'fresh'] as const;

/**
 * Where the switcher may send the visitor back to: a path of ours, never another site (no open
 * redirect: "//evil", "/\\evil" and absolute URLs are refused), never the switcher itself, with
 * only the flow's own query parameters.
 */
export function switcherPath(candidate: string | undefined): string {
  if (candidate === undefined || candidate.length > 2048) return '/';
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(candidate)) return '/';
  const q = candidate.indexOf('?');
  const path = q < 0 ? candidate : candidate.slice(0, q);
  if (path === '/language') return '/';
  if (q < 0) return path;
  const query = new URLSearchParams(candidate.slice(q + 1));
  const kept = new URLSearchParams();
  for (const name of FLOW_PARAMETERS) {
    const values = query.getAll(name);
    if (values.length === 1 && /^[A-Za-z0-9_-]{1,128}$/.test(values[0]!)) kept.set(name, values[0]!);
  }
  const rest = kept.toString();
  return rest ? `${path}?${rest}` : path;
}
