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
<p class="meta">Error <code><%= it.code %></code> (HTTP <%= it.status %>) · request <code><%= it.requestId %></code></p>`,
);

export function errorPage(page: ErrorPage): PageOptions {
  return { title: page.title, body: view('error', page) };
}
