import type { PageOptions } from './pages.js';
import { defineView, view } from './views.js';

// The page people see when something goes wrong: the shared layout, the error's public title and
// detail, its code and the request id to quote.

export interface ErrorPage {
  status: number;
  title: string;
  detail: string;
  code: string;
  requestId: string;
}

defineView(
  'error',
  `<h1><%= it.title %></h1>
<p><%= it.detail %></p>
<p class="meta">Error <code><%= it.code %></code> (HTTP <%= it.status %>) · request <code><%= it.requestId %></code></p>
<% if (it.popup) { %><p>Nothing was sent to the site. You can close this window.</p><% } %>`,
);

/**
 * `popup`: the error ends a popup-mode request without an answer to the RP (OpenID UI Extension
 * 1.0 §5): the compact layout, and a button that closes the window.
 */
export function errorPage(page: ErrorPage, popup = false): PageOptions {
  return { title: page.title, body: view('error', { ...page, popup }), ...(popup && { popup: true, closeWindow: true }) };
}
