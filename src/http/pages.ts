import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import { LANGUAGE_NAMES, LANGUAGES } from '../i18n/languages.js';
import { renderIn, type Locale, type Text } from '../i18n/locale.js';
import { localeOf, switcherPath } from '../i18n/page-locale.js';
import type { BrandingView } from './branding.js';
import type { Html } from './html.js';
import { popupHeaders } from './popup.js';
import { defineView, view } from './views.js';

export interface PageOptions {
  /** The page's title: a catalogue text (text()), or a name that needs no translation. */
  title: string | Text;
  body: Html;
  /**
   * Origins a form on this page may lead to, besides our own. Browsers apply form-action to the
   * redirects that follow a submission, so a page whose form ends at the RP's return_to lists
   * that origin.
   */
  formTargets?: readonly string[];
  /** Whether the page loads /assets/autosubmit.js. */
  script?: boolean;
  /**
   * Whether the page offers passkeys: it loads /assets/webauthn.js (@simplewebauthn/browser) and
   * /assets/passkeys.js, and may fetch its ceremony's options from us (CSP connect-src 'self').
   */
  passkeys?: boolean | undefined;
  /** Extra elements for <head> (discovery links). */
  head?: Html;
  /**
   * OpenID UI Extension 1.0 §5: the page of a popup-mode request, in the compact layout for a
   * window of about 450×500 pixels (and with the opener kept, src/http/popup.ts).
   */
  popup?: boolean | undefined;
  /**
   * Where the flow ends on this page without an answer to the RP (an error page, a request with
   * no return_to): in a popup, a button closes the window (§5: "The OP MAY close the popup
   * without returning a response to the RP"), by /assets/popup.js; without script, the text says
   * it can be closed.
   */
  closeWindow?: boolean | undefined;
  /**
   * OpenID UI Extension 1.0 §6: the RP's icon, a data: URL of an image we fetched and checked
   * ourselves (src/realm/rp-icons.ts), never the RP's own address.
   */
  rpIcon?: string | undefined;
  /**
   * OpenID User Interface Extension 1.0 §4.2 `ui.lang`: the languages the RP says the person
   * reads, weighed after the switcher's choice and before Accept-Language (src/i18n/languages.ts).
   */
  languages?: readonly string[] | undefined;
  /** The signed-in person's own time zone (their profile's), before the browser's. */
  timeZone?: string | undefined;
  /**
   * Whether the page shows dates: it loads /assets/time-zone.js, which reports the browser's time
   * zone for the next page and, while the server does not know it, shows this page's times in it.
   */
  dates?: boolean | undefined;
  /**
   * false: no language switcher, on a page that cannot be fetched again (the end of an answered
   * request: its address now leads to an error).
   */
  switcher?: false | undefined;
}

const DEFAULT_BRANDING: BrandingView = { productName: 'OpenID' };

defineView(
  'layout',
  `<!doctype html>
<html lang="<%= it.lang %>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title><%= it.title %> · <%= it.branding.productName %></title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
<% if (it.branding.theme) { %><link rel="stylesheet" href="/assets/theme.css"><% } %>
<%~ it.head %>
<% if (it.script) { %><script src="/assets/autosubmit.js" defer></script><% } %>
<% if (it.closeWindow) { %><script src="/assets/popup.js" defer></script><% } %>
<% if (it.dates) { %><script src="/assets/time-zone.js" defer></script><% } %>
<% if (it.passkeys) { %><script src="/assets/webauthn.js" defer></script>
<script src="/assets/passkeys.js" defer></script><% } %>
</head>
<body<% if (it.popup) { %> class="popup"<% } %>>
<header class="site"><% if (it.branding.logo) { %><img src="/assets/logo" alt="" class="logo"><% } %><span class="product"><%= it.branding.productName %></span></header>
<main>
<% if (it.rpIcon) { %><img src="<%= it.rpIcon %>" alt="" class="rp-icon" width="64" height="64">
<% } %><%~ it.body %>
<% if (it.closeWindow) { %><div class="actions"><button type="button" class="secondary" data-close-window hidden><%= it.t('common.close_window') %></button></div>
<% } %></main>
<% if (it.switcher) { %><footer class="site"><nav aria-label="<%= it.t('common.language') %>"><ul class="languages"><% it.switcher.forEach(function (l) { %><li><% if (l.current) { %><span lang="<%= l.lang %>" aria-current="true"><%= l.name %></span><% } else { %><a href="<%= l.href %>" lang="<%= l.lang %>" hreflang="<%= l.lang %>"><%= l.name %></a><% } %></li><% }) %></ul></nav></footer>
<% } %></body>
</html>
`,
);

/**
 * The page in `locale`. `returnPath`: the address the language switcher comes back to (a GET
 * page's own); without one the page has no switcher (a page a POST answered cannot be fetched
 * again).
 */
export function renderPage(options: PageOptions, branding: BrandingView, locale: Locale, returnPath?: string): string {
  return renderIn(locale, () => renderLayout(options, branding, locale, returnPath));
}

function renderLayout(options: PageOptions, branding: BrandingView, locale: Locale, returnPath: string | undefined): string {
  const back = returnPath === undefined ? undefined : switcherPath(returnPath);
  // head and body are Html: markup their own templates rendered (and escaped).
  return view('layout', {
    title: String(options.title),
    switcher:
      back === undefined || options.popup === true || options.switcher === false
        ? undefined
        : LANGUAGES.map((lang) => ({ lang, name: LANGUAGE_NAMES[lang], current: lang === locale.lang, href: `/language?lang=${lang}&return=${encodeURIComponent(back)}` })),
    branding,
    script: options.script === true,
    head: options.head?.value ?? '',
    body: options.body.value,
    popup: options.popup === true,
    dates: options.dates === true,
    // The close button only where a script may close the window: a popup (HTML "script-closable").
    closeWindow: options.popup === true && options.closeWindow === true,
    rpIcon: options.rpIcon,
    passkeys: options.passkeys === true,
  }).value;
}

/**
 * Sends an HTML page with the headers every page of the provider carries: a strict CSP (no inline
 * script or style, never framed), X-Frame-Options, no caching, no referrer.
 */
export function sendPage(reply: FastifyReply, status: number, options: PageOptions): void {
  const request = reply.request;
  const branding = brandingOf(reply);
  const locale = pageLocale(request.headers, options, branding);
  reply
    .code(status)
    .headers(pageHeaders(options))
    .header('content-language', locale.lang)
    .send(renderPage(options, branding, locale, request.method === 'GET' && status < 400 ? request.url : undefined));
}

function brandingOf(reply: FastifyReply): BrandingView {
  return (reply.server as unknown as { branding?: BrandingView }).branding ?? DEFAULT_BRANDING;
}

/** The locale of a page for these request headers (the switcher's cookie, ui.lang, Accept-Language, time zone). */
export function pageLocale(headers: IncomingHttpHeaders, options: Pick<PageOptions, 'languages' | 'timeZone'> = {}, branding?: BrandingView): Locale {
  return localeOf(headers, options, branding?.defaultLanguage);
}

/** The locale of an answer on `reply` that is not a page (a problem document). */
export function replyLocale(reply: FastifyReply): Locale {
  return pageLocale(reply.request.headers, {}, brandingOf(reply));
}

/** The headers of every page (sendPage; pages rendered by oidc-provider's Koa context use them too). */
export function pageHeaders(options: Pick<PageOptions, 'formTargets' | 'popup' | 'rpIcon' | 'passkeys'>): Record<string, string> {
  const formAction = ["'self'", ...(options.formTargets ?? [])].join(' ');
  // The passkey script asks us (and only us) for its ceremony's options.
  const connect = options.passkeys === true ? " connect-src 'self';" : '';
  // data: images only on a page that shows an RP icon, which is always one (checked, re-served by us).
  const imgSrc = options.rpIcon === undefined ? "'self'" : "'self' data:";
  return {
    ...(options.popup === true ? popupHeaders() : {}),
    'content-security-policy': `default-src 'none'; style-src 'self'; script-src 'self';${connect} img-src ${imgSrc}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on our own form
    // posts, and the CSRF check wants the real origin. Nothing leaks to other sites either way.
    'referrer-policy': 'same-origin',
    'content-type': 'text/html; charset=utf-8',
  };
}

/**
 * A document for machines (XRDS, the issuer JSON) or a discovery page: never framed, no script, no
 * referrer. Sent as bytes so that the Content-Type goes out exactly as given: Fastify appends
 * "; charset=utf-8" to any JSON type sent as a string, a parameter application/json does not have
 * (RFC 8259 §11).
 */
/** A page rendered when sent: in the reader's locale, its switcher leading back to `returnPath`. */
export type LocalizedBody = (locale: Locale, returnPath: string | undefined) => string;

export function sendDocument(reply: FastifyReply, doc: { contentType: string; body: string | Buffer | LocalizedBody; headers: Readonly<Record<string, string>> }): void {
  let body = doc.body;
  if (typeof body === 'function') {
    const locale = pageLocale(reply.request.headers, {}, brandingOf(reply));
    reply.header('content-language', locale.lang);
    body = body(locale, reply.request.method === 'GET' ? reply.request.url : undefined);
  }
  reply
    .headers(doc.headers)
    .header('content-security-policy', "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .type(doc.contentType)
    .send(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}
