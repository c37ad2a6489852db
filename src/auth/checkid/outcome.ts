/** How the endpoint answers the browser at the end of a step of the checkid flow. */
export type Outcome = (
  /** An indirect response or a hop to one of our pages (§5.2.1). */
  | { kind: 'redirect'; location: string }
  /** An indirect response too long for a redirect, POSTed by an auto-submitting form (§5.2.2). */
  | { kind: 'form-post'; action: string; fields: { name: string; value: string }[] }
  /** The RP asked not to be returned to (§9.1, no return_to): a page tells the user it is done. */
  | { kind: 'done'; realm: string; approved: boolean }
) & {
  /**
   * OpenID UI Extension 1.0 §5: a step of a request made in a popup window (openid.ui.mode=popup).
   * Its responses keep the popup tied to the RP's window that opened it (src/http/popup.ts).
   */
  popup?: boolean;
  /**
   * OpenID UI Extension 1.0 §4.2 ui.lang: the languages of the request, for the page an outcome
   * shows ("done", the form that POSTs the response), unless the visitor chose one.
   */
  languages?: readonly string[];
};

/**
 * The outcome of a step of `ui`'s request, marked when that request came in a popup (§5) and with
 * the languages it asks for (§4.2).
 */
export function forLayout(ui: { readonly popup: boolean; readonly languages?: readonly string[] } | undefined, outcome: Outcome): Outcome {
  const languages = ui?.languages ?? [];
  if (ui?.popup !== true && languages.length === 0) return outcome;
  return { ...outcome, ...(ui?.popup === true && { popup: true }), ...(languages.length > 0 && { languages }) };
}
