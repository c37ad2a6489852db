import { Eta } from 'eta';
import { currentLocale } from '../i18n/locale.js';
import { Html } from './html.js';

// Server-side templates: Eta, with output escaping on by default (`<%= %>` escapes; raw output
// needs `<%~ %>` and is used only for markup another template or th() already rendered).
// Templates live next to the code that fills them, as strings registered here, so the build has
// no files to copy. Their words come from the catalogues (src/i18n): every template gets `it.t`,
// `it.th`, `it.when` and `it.lang` of the locale it renders in; test/i18n checks that no
// template holds text of its own.

const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false, cache: true });

const sources = new Map<string, string>();

/** Registers a template under `name`; its data is `it`. */
export function defineView(name: string, template: string): void {
  sources.set(name, template);
  eta.loadTemplate(`@${name}`, template);
}

/** The registered templates, for the test that no words live outside the catalogues. */
export function registeredViews(): ReadonlyMap<string, string> {
  return sources;
}

/** A registered template; its markup renders when read, in the locale of the render under way. */
export function view(name: string, data: object): Html {
  return new Html(() => {
    const locale = currentLocale();
    return eta.render(`@${name}`, { ...data, t: locale.t, th: locale.th, when: locale.when, lang: locale.lang, zoneUnknown: locale.zoneUnknown });
  });
}
