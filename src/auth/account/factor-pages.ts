import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import { text, type Text } from '../../i18n/locale.js';

// The pages of adding an authenticator app (DESIGN.md "Second factors"): the otpauth URI as text
// beside its QR code (SVG rendered here: no script, no image request), a form with an input named
// `code` to confirm; and the recovery codes, shown once.

export interface TotpSetupView {
  csrf: string;
  account: string;
  id: string;
  uri: string;
  /** qrcode's SVG of the URI, embedded raw: the library's own markup (rects and paths, no text of ours). */
  svg: string;
  /** Why the code was refused (a catalogue text), shown above the form. */
  error?: Text | undefined;
  identityUrl: string;
}

export interface RecoveryCodesView {
  account: string;
  codes: string[];
  identityUrl: string;
  /** Whether an authenticator app was just added (the codes come with it). */
  afterEnrolment: boolean;
}

defineView(
  'totp-setup',
  `<h1><%= it.t('account.totp.heading') %></h1>
<p><%~ it.th('account.totp.intro', { account: it.account }) %></p>
<div class="qr" role="img" aria-label="<%= it.t('account.totp.qr') %>"><%~ it.svg %></div>
<p><%= it.t('account.totp.uri') %> <code class="otpauth"><%= it.uri %></code></p>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/account/factors/totp/<%= it.id %>">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <label><%= it.t('account.totp.code') %> <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="64" required autofocus></label>
  <div class="actions"><button type="submit"><%= it.t('account.totp.confirm') %></button> <a href="<%= it.identityUrl %>"><%= it.t('account.totp.cancel') %></a></div>
</form>`,
);

defineView(
  'recovery-codes',
  `<h1><%= it.t('account.recovery.heading') %></h1>
<% if (it.afterEnrolment) { %><p class="notice"><%~ it.th('account.recovery.added', { account: it.account }) %></p><% } %>
<p><%~ it.th('account.recovery.intro') %></p>
<ul class="list recovery-codes"><% it.codes.forEach(function (c) { %><li><code><%= c %></code></li><% }) %></ul>
<p><a href="<%= it.identityUrl %>"><%= it.t('account.recovery.back') %></a></p>`,
);

export function totpSetupPage(data: TotpSetupView): PageOptions {
  return { title: text('account.totp.title', { account: data.account }), body: view('totp-setup', data) };
}

export function recoveryCodesPage(data: RecoveryCodesView): PageOptions {
  return { title: text('account.recovery.title', { account: data.account }), body: view('recovery-codes', data) };
}
