import { Eta } from 'eta';
import { Html } from './html.js';

// Server-side templates: Eta, with output escaping on by default (`<%= %>` escapes; raw output
// needs `<%~ %>` and is used only for markup another template already rendered). Templates live
// next to the code that fills them, as strings registered here, so the build has no files to copy.

const eta = new Eta({ autoEscape: true, autoTrim: false, useWith: false, cache: true });

/** Registers a template under `name`; its data is `it`. */
export function defineView(name: string, template: string): void {
  eta.loadTemplate(`@${name}`, template);
}

/** Renders a registered template; the result is markup, safe to embed raw. */
export function view(name: string, data: object): Html {
  return new Html(eta.render(`@${name}`, data));
}
