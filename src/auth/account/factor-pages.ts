import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
// The status line under a passkey button (the view '@passkey-status').
import '../../http/passkey-status.js';
import { text, type Text } from '../../i18n/locale.js';

// The pages of adding an authenticator app (DESIGN.md "Second factors"): the otpauth URI as text
// beside its QR code (SVG rendered here: no script, no image request), a form with an input named
// `code` to confirm; adding a passkey (its name, then the browser's WebAuthn ceremony); and the
// recovery codes, shown once.

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
  /** What was just added, the codes coming with it (the account's first second factor): none when they were asked for. */
  afterEnrolment: 'app' | 'passkey' | false;
}

/** Adding a passkey: its name, then the browser and the authenticator (/assets/passkeys.js). */
export interface PasskeySetupView {
  csrf: string;
  account: string;
  identityUrl: string;
  /** The name in the field: the one given, or "Passkey" (numbered after the first) in the reader's language. */
  name: string | Text;
  /** Why the passkey was refused (a catalogue text), shown above the form. */
  error?: Text | undefined;
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
<% if (it.afterEnrolment === 'app') { %><p class="notice"><%~ it.th('account.recovery.added_app', { account: it.account }) %></p><% } else if (it.afterEnrolment === 'passkey') { %><p class="notice"><%~ it.th('account.recovery.added_passkey', { account: it.account }) %></p><% } %>
<p><%~ it.th('account.recovery.intro') %></p>
<ul class="list recovery-codes"><% it.codes.forEach(function (c) { %><li><code><%= c %></code></li><% }) %></ul>
<p><a href="<%= it.identityUrl %>"><%= it.t('account.recovery.back') %></a></p>`,
);

defineView(
  'passkey-setup',
  `<h1><%= it.t('account.passkey.heading') %></h1>
<p><%~ it.th('account.passkey.intro', { account: it.account }) %></p>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } %>
<p class="notice" data-webauthn-unsupported><%= it.t('account.passkey.unsupported') %></p>
<form method="post" action="/account/factors/passkey/register">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <label><%= it.t('account.passkey.name') %> <input type="text" name="name" value="<%= it.name %>" maxlength="64" autocomplete="off" required autofocus></label>
  <div class="actions"><button type="button" data-webauthn="register" data-options="/account/factors/passkey/options" data-action="/account/factors/passkey/register" hidden><%= it.t('account.passkey.create') %></button> <a href="<%= it.identityUrl %>"><%= it.t('account.passkey.cancel') %></a></div>
  <%~ include('@passkey-status', it) %>
</form>`,
);

export function passkeySetupPage(data: PasskeySetupView): PageOptions {
  return { title: text('account.passkey.title', { account: data.account }), body: view('passkey-setup', data), passkeys: true };
}

export function totpSetupPage(data: TotpSetupView): PageOptions {
  return { title: text('account.totp.title', { account: data.account }), body: view('totp-setup', data) };
}

export function recoveryCodesPage(data: RecoveryCodesView): PageOptions {
  return { title: text('account.recovery.title', { account: data.account }), body: view('recovery-codes', data) };
}
