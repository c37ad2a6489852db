import type { FastifyReply } from 'fastify';
import type { Branding } from './branding.js';
import { html, type Html } from './html.js';

export interface PageOptions {
  title: string;
  body: Html;
  /**
   * Origins a form on this page may lead to, besides our own. Browsers apply form-action to the
   * redirects that follow a submission, so a page whose form ends at the RP's return_to lists
   * that origin.
   */
  formTargets?: readonly string[];
  /** Whether the page loads /assets/autosubmit.js. */
  script?: boolean;
  /** Extra elements for <head> (discovery links). */
  head?: Html;
}

const DEFAULT_BRANDING: Branding = { productName: 'OpenID' };

export function renderPage(options: PageOptions, branding: Branding): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${options.title} · ${branding.productName}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
${branding.theme ? html`<link rel="stylesheet" href="/assets/theme.css">` : ''}
${options.head ?? ''}
${options.script ? html`<script src="/assets/autosubmit.js" defer></script>` : ''}
</head>
<body>
<header class="site">${branding.logo ? html`<img src="/assets/logo" alt="" class="logo">` : ''}<span class="product">${branding.productName}</span></header>
<main>
${options.body}
</main>
</body>
</html>
`.value;
}

/**
 * Sends an HTML page with the headers every page of the provider carries: a strict CSP (no inline
 * script or style, never framed), X-Frame-Options, no caching, no referrer.
 */
export function sendPage(reply: FastifyReply, status: number, options: PageOptions): void {
  const formAction = ["'self'", ...(options.formTargets ?? [])].join(' ');
  reply
    .code(status)
    .header(
      'content-security-policy',
      `default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    )
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on our own form
    // posts, and the CSRF check wants the real origin. Nothing leaks to other sites either way.
    .header('referrer-policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(renderPage(options, (reply.server as unknown as { branding?: Branding }).branding ?? DEFAULT_BRANDING));
}
