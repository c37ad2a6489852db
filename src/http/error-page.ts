import { createHash } from 'node:crypto';

// The HTML page people see when something goes wrong. Every value is escaped; there is no script,
// and the one inline stylesheet is allowed by its hash in the page's Content-Security-Policy.

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5; }
.meta { color: GrayText; font-size: .875rem; }
`;

export const ERROR_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface ErrorPage {
  status: number;
  title: string;
  detail: string;
  code: string;
  requestId: string;
}

export function renderErrorPage(page: ErrorPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.detail)}</p>
<p class="meta">Error <code>${escapeHtml(page.code)}</code> (HTTP ${page.status}) · request <code>${escapeHtml(page.requestId)}</code></p>
</main>
</body>
</html>
`;
}
