import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import type { ApprovalView } from './login-approval.service.js';

// The waiting page of DESIGN.md "XMPP": the transaction code and the site, re-checked by itself
// (<meta http-equiv="refresh">, no JavaScript), its news in a role=status live region for screen
// readers, and a cancel button (a CSRF-protected form, like every form we serve).

/** Seconds between two checks of the waiting page. */
export const REFRESH_SECONDS = 3;

defineView('approval-refresh', `<meta http-equiv="refresh" content="<%= it.seconds %>">`);

defineView(
  'approval-waiting',
  `<h1>Confirm in your chat app</h1>
<p>Signing in to <span class="realm"><%= it.site %></span>.</p>
<div role="status" aria-live="polite" aria-atomic="true">
  <p>Waiting for your answer. Your chat app shows the code <strong class="code"><%= it.code %></strong>: check that it is the same, then accept, or reply <kbd>yes <%= it.code %></kbd> (or <kbd>no <%= it.code %></kbd>).</p>
</div>
<p>This page checks again by itself every few seconds. The request expires in <%= it.minutes %>.</p>
<form method="post" action="/login/approval/<%= it.id %>/cancel">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <div class="actions"><button type="submit">Cancel</button></div>
</form>`,
);

defineView(
  'approval-finished',
  `<h1><%= it.title %></h1>
<p class="notice" role="status"><%= it.message %></p>
<p><a href="<%= it.loginUrl %>">Back to the sign-in page</a></p>
<p class="meta">HTTP <%= it.status %> · request <code><%= it.requestId %></code></p>`,
);

/** `requestId`: quoted on the finished pages (refusals), as on every error page (src/http/error-page.ts). */
export function approvalPage(data: ApprovalView, csrf: string, requestId: string): PageOptions {
  if (data.kind === 'waiting') {
    const minutes = data.seconds >= 90 ? `${Math.ceil(data.seconds / 60)} minutes` : `${data.seconds} seconds`;
    return {
      title: `Confirm in your chat app — ${data.code}`,
      head: view('approval-refresh', { seconds: REFRESH_SECONDS }),
      body: view('approval-waiting', { ...data, minutes, csrf }),
    };
  }
  return { title: data.title, body: view('approval-finished', { ...data, requestId }) };
}
