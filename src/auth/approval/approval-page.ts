import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import { text } from '../../i18n/locale.js';
import { waitText } from '../login/wait-text.js';
import type { ApprovalView } from './login-approval.service.js';

// The waiting page of DESIGN.md "XMPP": the transaction code and the site, re-checked by itself
// (<meta http-equiv="refresh">, no JavaScript), its news in a role=status live region for screen
// readers, and a cancel button (a CSRF-protected form, like every form we serve).

/** Seconds between two checks of the waiting page. */
export const REFRESH_SECONDS = 3;

defineView('approval-refresh', `<meta http-equiv="refresh" content="<%= it.seconds %>">`);

defineView(
  'approval-waiting',
  `<h1><%= it.t('login.approval.heading') %></h1>
<p><%~ it.th('login.approval.signing_in_to', { site: it.site }) %></p>
<div role="status" aria-live="polite" aria-atomic="true">
  <p><%~ it.th('login.approval.waiting', { code: it.code }) %></p>
</div>
<p><%= it.t('login.approval.refresh', { wait: it.wait }) %></p>
<form method="post" action="/login/approval/<%= it.id %>/cancel">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <div class="actions"><button type="submit"><%= it.t('login.approval.cancel') %></button></div>
</form>`,
);

defineView(
  'approval-finished',
  `<h1><%= it.title %></h1>
<p class="notice" role="status"><%= it.message %></p>
<p><a href="<%= it.loginUrl %>"><%= it.t('login.approval.back') %></a></p>
<p class="meta"><%~ it.th('login.approval.reference', { status: it.status, requestId: it.requestId }) %></p>`,
);

/** `requestId`: quoted on the finished pages (refusals), as on every error page (src/http/error-page.ts). */
export function approvalPage(data: ApprovalView, csrf: string, requestId: string): PageOptions {
  if (data.kind === 'waiting') {
    return {
      title: text('login.approval.title', { code: data.code }),
      head: view('approval-refresh', { seconds: REFRESH_SECONDS }),
      body: view('approval-waiting', { ...data, wait: waitText(data.seconds), csrf }),
    };
  }
  return { title: data.title, body: view('approval-finished', { ...data, requestId }) };
}
