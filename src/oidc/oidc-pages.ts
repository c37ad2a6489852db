import type { KoaContextWithOIDC } from 'oidc-provider';
import type { BrandingView } from '../http/branding.js';
import { errorPage } from '../http/error-page.js';
import { prefersHtml, problemDocument } from '../http/error-responder.js';
import { pageHeaders, pageLocale, renderPage, type PageOptions } from '../http/pages.js';
import { defineView, view } from '../http/views.js';
import { renderIn, text, type Text } from '../i18n/locale.js';
import { fastifyRequestOf, requestIdOf } from './koa-request.js';

// The pages oidc-provider renders for people (its renderError, and the RP-initiated logout
// confirmation and success pages), drawn with our layout, CSP and error page instead of its
// built-in ones (which load a web font from Google and use inline styles).

defineView(
  'oidc-logout',
  `<h1><%= it.t('oidc.logout.heading') %></h1>
<p><%~ it.client ? it.th('oidc.logout.client_asks', { client: it.client, host: it.host }) : it.th('oidc.logout.site_asks', { host: it.host }) %></p>
<%~ it.form %>
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus><%= it.t('oidc.logout.yes') %></button>
<button type="submit" form="op.logoutForm" class="secondary"><%= it.t('oidc.logout.no') %></button>
</div>`,
);

defineView(
  'oidc-logged-out',
  `<h1><%= it.t('oidc.logged_out.heading') %></h1>
<p><%~ it.client ? it.th('oidc.logged_out.text_client', { client: it.client }) : it.t('oidc.logged_out.text') %></p>`,
);

/**
 * The OAuth 2.0 / OpenID Connect error codes a person may meet (RFC 6749 §4.1.2.1, OpenID Connect
 * Core 1.0 §3.1.2.6), named and explained in the reader's language.
 */
const ERRORS: Readonly<Record<string, { title: Text; detail: Text }>> = {
  invalid_request: { title: text('oidc.errors.invalid_request.title'), detail: text('oidc.errors.invalid_request.detail') },
  invalid_client: { title: text('oidc.errors.invalid_client.title'), detail: text('oidc.errors.invalid_client.detail') },
  invalid_redirect_uri: { title: text('oidc.errors.invalid_redirect_uri.title'), detail: text('oidc.errors.invalid_redirect_uri.detail') },
  unauthorized_client: { title: text('oidc.errors.unauthorized_client.title'), detail: text('oidc.errors.unauthorized_client.detail') },
  access_denied: { title: text('oidc.errors.access_denied.title'), detail: text('oidc.errors.access_denied.detail') },
  unsupported_response_type: { title: text('oidc.errors.unsupported_response_type.title'), detail: text('oidc.errors.unsupported_response_type.detail') },
  invalid_scope: { title: text('oidc.errors.invalid_scope.title'), detail: text('oidc.errors.invalid_scope.detail') },
  server_error: { title: text('oidc.errors.server_error.title'), detail: text('oidc.errors.server_error.detail') },
  temporarily_unavailable: { title: text('oidc.errors.temporarily_unavailable.title'), detail: text('oidc.errors.temporarily_unavailable.detail') },
  session_not_found: { title: text('oidc.errors.session_not_found.title'), detail: text('oidc.errors.session_not_found.detail') },
};
const OTHER_ERROR = { title: text('oidc.errors.other.title'), detail: text('oidc.errors.other.detail') };

/**
 * OpenID Connect Core 1.0 §3.1.2.1 `ui_locales` (and RP-Initiated Logout 1.0 §2): the languages the
 * client says the person reads, space-separated BCP 47 tags in order of preference; weighed like
 * the OpenID UI Extension's ui.lang (after the switcher's choice, before Accept-Language).
 */
export function uiLocales(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  // Bounded: a few tags are all anyone sends; a malformed tag is skipped by the lookup.
  return value.slice(0, 256).split(' ', 8).filter(Boolean);
}

function send(ctx: KoaContextWithOIDC, branding: BrandingView, options: PageOptions): void {
  for (const [name, value] of Object.entries(pageHeaders(options))) ctx.set(name, value);
  const locale = pageLocale(ctx.req.headers, options, branding);
  ctx.set('content-language', locale.lang);
  ctx.body = renderPage(options, branding, locale, ctx.method === 'GET' ? ctx.originalUrl : undefined);
}

export function oidcPages(branding: BrandingView) {
  return {
    /**
     * oidc-provider's `renderError`: errors it cannot send back to a verified redirect_uri
     * (RFC 6749 §4.1.2.1: never redirect to an unverified one) shown on our error page. `out`
     * holds only the public error and error_description (lib/helpers/err_out.js).
     */
    renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): void {
      const known = Object.hasOwn(ERRORS, out.error) ? ERRORS[out.error]! : OTHER_ERROR;
      const page = errorPage({
        status: ctx.status,
        title: known.title,
        // oidc-provider's description is English, for the application's developers: quoted after ours.
        detail: out.error_description === undefined ? known.detail : text('oidc.errors.described', { detail: known.detail, description: out.error_description }),
        code: out.error,
        requestId: requestIdOf(ctx.req),
      });
      send(ctx, branding, { ...page, languages: uiLocales(ctx.oidc?.params?.['ui_locales']) });
    },

    /** OpenID Connect RP-Initiated Logout 1.0 §2: the OP asks the person whether to sign out. */
    logoutSource(ctx: KoaContextWithOIDC, form: string): void {
      // `form` is oidc-provider's own markup: the hidden confirm form with its xsrf token.
      const body = view('oidc-logout', { client: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId, host: ctx.host, form });
      send(ctx, branding, { title: text('oidc.logout.title'), body, languages: uiLocales(ctx.oidc.params?.['ui_locales']) });
    },

    /** Shown after a logout without a post_logout_redirect_uri (RP-Initiated Logout 1.0 §4). */
    postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
      send(ctx, branding, { title: text('oidc.logged_out.heading'), body: view('oidc-logged-out', { client: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId }), languages: uiLocales(ctx.oidc.params?.['ui_locales']) });
    },
  };
}

/**
 * Koa middleware around oidc-provider's router: a path under /oidc/ it does not serve answers
 * like every other unknown address of ours (a structured 404), not Koa's bare "Not Found".
 */
export function notFoundAnswer(branding: BrandingView) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const request = fastifyRequestOf(ctx.req);
    // The error responder's unmatched-route 404 (src/http/error-responder.ts), in the reader's language.
    const problem = { status: 404, code: 'not_found', title: text('errors.not_found.title'), detail: text('errors.not_found.detail') };
    const requestId = request === undefined ? 'unknown' : String(request.id);
    const locale = pageLocale(ctx.req.headers, {}, branding);
    ctx.status = 404;
    ctx.set('content-language', locale.lang);
    if (request !== undefined && prefersHtml(request)) {
      for (const [name, value] of Object.entries(pageHeaders({}))) ctx.set(name, value);
      ctx.body = renderPage(errorPage({ ...problem, requestId }), branding, locale);
    } else {
      ctx.set('cache-control', 'no-store');
      ctx.body = renderIn(locale, () => problemDocument(problem, requestId));
      ctx.set('content-type', 'application/problem+json; charset=utf-8');
    }
  };
}
