import { html } from './html.js';
import type { PageOptions } from './pages.js';

// The page people see when something goes wrong: the shared layout, the error's public title and
// detail, its code and the request id to quote.

export interface ErrorPage {
  status: number;
  title: string;
  detail: string;
  code: string;
  requestId: string;
}

export function errorPage(page: ErrorPage): PageOptions {
  return {
    title: page.title,
    body: html`<h1>${page.title}</h1>
<p>${page.detail}</p>
<p class="meta">Error <code>${page.code}</code> (HTTP ${page.status}) · request <code>${page.requestId}</code></p>`,
  };
}
