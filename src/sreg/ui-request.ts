// What a checkid request asks of our pages under the OpenID User Interface Extension 1.0 (draft
// 0.5, namespace http://specs.openid.net/extensions/ui/1.0): a popup layout (§5), the relying
// party's icon (§6) and the user's preferred languages (§4).
//
// Unlike SReg or AX, nothing here can make the request fail: every part is a hint about how to
// show pages, and §5 asks an OP that does not know a mode to carry on "as if this extension were
// not included". A value we cannot use is dropped and the request is answered as without it.
// The parse is linear in the extension's fields and capped (MAX_LANG_CHARS, MAX_LANGUAGES).

import { NS_UI_1_0 } from '../protocol/consts.js';
import type { OpenIdMessage } from '../protocol/message.js';

export interface UiRequest {
  /** §5 openid.ui.mode=popup: the RP opened our pages in a popup window of about 450×500. */
  readonly popup: boolean;
  /** §6 openid.ui.icon=true: the RP publishes an icon in its XRDS for our approval page. */
  readonly icon: boolean;
  /**
   * §4 openid.ui.lang: the user's preferred languages, most preferred first, as canonical BCP 47
   * tags (RFC 5646); empty when absent or unusable. It "SHOULD take precedence over the
   * Accept-Language HTTP header": a page-language chooser reads it before Accept-Language.
   */
  readonly languages: readonly string[];
}

/** The request without the extension (or with nothing usable in it). */
export const NO_UI_REQUEST: UiRequest = Object.freeze({ popup: false, icon: false, languages: Object.freeze([]) as readonly string[] });

/** Longest openid.ui.lang read (a priority list of a few tags is tens of characters). */
export const MAX_LANG_CHARS = 256;
/** Languages kept from openid.ui.lang, in order. */
export const MAX_LANGUAGES = 8;

// RFC 5646 §2.1 langtag (language, extlang, script, region, variants, extensions, private use)
// or a private-use tag alone; grandfathered tags are not accepted. Each tag is at most
// MAX_LANG_CHARS long, and the pattern has no nested quantifier that could backtrack far.
const LANGTAG =
  /^(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[\da-wy-z](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?|x(?:-[a-z\d]{1,8})+)$/i;

/**
 * Reads the UI extension of a checkid request. Never throws: see the top of this file. §3: the
 * fields count only under an `openid.ns.<alias>` declaration of the namespace (OpenID 2.0 §12);
 * a 1.1 message that declares it is read too, since a page layout changes nothing in that protocol.
 */
export function parseUiRequest(message: OpenIdMessage): UiRequest {
  if (!message.hasExtension(NS_UI_1_0)) return NO_UI_REQUEST;
  const args = message.getExtensionArgs(NS_UI_1_0);
  // §5 openid.ui.mode: "popup" is the only mode defined; an unknown one, experimental ("x-...")
  // or not, is ignored: "SHOULD NOT throw an error or invalidate further processing".
  const popup = args.get('mode') === 'popup';
  // §6 openid.ui.icon: "REQUIRED. Value: "true"".
  const icon = args.get('icon') === 'true';
  const languages = parseLanguagePreference(args.get('lang'));
  if (!popup && !icon && languages.length === 0) return NO_UI_REQUEST;
  return { popup, icon, languages };
}

/**
 * §4 openid.ui.lang: "a BCP 47 language priority list, represented as a comma-separated list of
 * BCP 47 basic language ranges in descending priority order", e.g. "fr-CA,fr-FR,en-CA". Each
 * item that is a well-formed language tag (RFC 5646 §2.1) is kept in its canonical form
 * (Intl.getCanonicalLocales: "FR-ca" → "fr-CA"), duplicates once, in order; the wildcard range
 * "*" says nothing a page can use and is dropped, as is anything malformed. A value longer than
 * MAX_LANG_CHARS is not read at all.
 */
export function parseLanguagePreference(value: string | undefined): string[] {
  if (value === undefined || value.length === 0 || value.length > MAX_LANG_CHARS) return [];
  const out: string[] = [];
  for (const item of value.split(',')) {
    if (out.length >= MAX_LANGUAGES) break;
    // Some senders put spaces after the commas (as in Accept-Language).
    const tag = item.trim();
    if (!LANGTAG.test(tag)) continue;
    const canonical = canonicalTag(tag);
    if (canonical !== undefined && !out.includes(canonical)) out.push(canonical);
  }
  return out;
}

function canonicalTag(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    // Well-formed for RFC 5646 but not a Unicode BCP 47 locale identifier (e.g. a private-use
    // tag alone): no page could be chosen by it anyway.
    return undefined;
  }
}
