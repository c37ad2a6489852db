import type { Text } from '../i18n/locale.js';
import type { PageOptions } from './pages.js';
import { defineView, view } from './views.js';

// The page people see when something goes wrong: the shared layout, the error's public title and
// detail, its code and the request id to quote.

export interface ErrorPage {
  status: number;
  title: string | Text;
  detail: string | Text;
  code: string;
  requestId: string;
}

defineView(
  'error',
  `<h1><%= it.title %></h1>
<p><%= it.detail %></p>
<p class="meta"><%~ it.th('errors.page.reference', { code: it.code, status: it.status, requestId: it.requestId }) %></p>
<% if (it.popup) { %><p><%= it.t('errors.page.popup_closed') %></p><% } %>`,
);

/**
 * `popup`: the error ends a popup-mode request without an answer to the RP (OpenID UI Extension
 * 1.0 §5): the compact layout, and a button that closes the window.
 */
export function errorPage(page: ErrorPage, popup = false): PageOptions {
  return { title: page.title, body: view('error', { ...page, popup }), ...(popup && { popup: true, closeWindow: true }) };
}
