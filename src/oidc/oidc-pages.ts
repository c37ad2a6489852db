import type { KoaContextWithOIDC } from 'oidc-provider';
import type { BrandingView } from '../http/branding.js';
import { errorPage } from '../http/error-page.js';
import { prefersHtml, problemDocument } from '../http/error-responder.js';
import { pageHeaders, pageLocale, renderPage, type PageOptions } from '../http/pages.js';
import { defineView, view } from '../http/views.js';
import { renderIn, text } from '../i18n/locale.js';
import { fastifyRequestOf, requestIdOf } from './koa-request.js';

// The pages oidc-provider renders for people (its renderError, and the RP-initiated logout
// confirmation and success pages), drawn with our layout, CSP and error page instead of its
// built-in ones (which load a web font from Google and use inline styles).

defineView(
  'oidc-logout',
  `<h1>Sign out?</h1>
<p><% if (it.client) { %><strong><%= it.client %></strong> asks to sign you out<% } else { %>A site asks to sign you out<% } %> of <%= it.host %>.</p>
<%~ it.form %>
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>
</div>`,
);

defineView(
  'oidc-logged-out',
  `<h1>Signed out</h1>
<p>You are signed out<% if (it.client) { %> of <strong><%= it.client %></strong><% } %>.</p>`,
);

/** Human titles of the OAuth 2.0 / OpenID Connect error codes a person may meet. */
const TITLES: Readonly<Record<string, string>> = {
  invalid_request: 'Invalid request',
  invalid_client: 'Unknown application',
  invalid_redirect_uri: 'Unregistered return address',
  unauthorized_client: 'Application not allowed',
  access_denied: 'Access denied',
  unsupported_response_type: 'Unsupported request',
  invalid_scope: 'Invalid request',
  server_error: 'Internal error',
  temporarily_unavailable: 'Service unavailable',
  session_not_found: 'Session not found',
};

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
      const page = errorPage({
        status: ctx.status,
        title: TITLES[out.error] ?? 'Request refused',
        detail: out.error_description ?? 'This request cannot be served.',
        code: out.error,
        requestId: requestIdOf(ctx.req),
      });
      send(ctx, branding, page);
    },

    /** OpenID Connect RP-Initiated Logout 1.0 §2: the OP asks the person whether to sign out. */
    logoutSource(ctx: KoaContextWithOIDC, form: string): void {
      // `form` is oidc-provider's own markup: the hidden confirm form with its xsrf token.
      const body = view('oidc-logout', { client: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId, host: ctx.host, form });
      send(ctx, branding, { title: 'Sign out', body });
    },

    /** Shown after a logout without a post_logout_redirect_uri (RP-Initiated Logout 1.0 §4). */
    postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
      send(ctx, branding, { title: 'Signed out', body: view('oidc-logged-out', { client: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId }) });
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
