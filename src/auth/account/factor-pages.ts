import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';

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
  error?: string | undefined;
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
  name: string;
  error?: string | undefined;
}

defineView(
  'totp-setup',
  `<h1>Add an authenticator app</h1>
<p>For <strong><%= it.account %></strong>. Scan this code with your authenticator app, or enter the key below by hand.</p>
<div class="qr" role="img" aria-label="QR code of the key"><%~ it.svg %></div>
<p>Key URI: <code class="otpauth"><%= it.uri %></code></p>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/account/factors/totp/<%= it.id %>">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <label>The six-digit code your app shows now <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="64" required autofocus></label>
  <div class="actions"><button type="submit">Confirm</button> <a href="<%= it.identityUrl %>">Cancel</a></div>
</form>`,
);

defineView(
  'recovery-codes',
  `<h1>Your recovery codes</h1>
<% if (it.afterEnrolment === 'app') { %><p class="notice">Your authenticator app is added: signing in to <strong><%= it.account %></strong> now asks for its code.</p><% } else if (it.afterEnrolment === 'passkey') { %><p class="notice">Your passkey is added: signing in to <strong><%= it.account %></strong> with your password now asks for it.</p><% } %>
<p>Each code signs you in once if you lose your second factor. Keep them somewhere safe: <strong>they are shown only now</strong>. Older codes no longer work.</p>
<ul class="list recovery-codes"><% it.codes.forEach(function (c) { %><li><code><%= c %></code></li><% }) %></ul>
<p><a href="<%= it.identityUrl %>">Back to your identity page</a></p>`,
);

defineView(
  'passkey-setup',
  `<h1>Add a passkey</h1>
<p>For <strong><%= it.account %></strong>. Your browser and your device (or a security key) make the passkey; this provider keeps only its public key.</p>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } %>
<p class="notice" data-webauthn-unsupported>Adding a passkey needs a browser that supports passkeys, with JavaScript on.</p>
<form method="post" action="/account/factors/passkey/register">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <label>A name for it <input type="text" name="name" value="<%= it.name %>" maxlength="64" autocomplete="off" required autofocus></label>
  <div class="actions"><button type="button" data-webauthn="register" data-options="/account/factors/passkey/options" data-action="/account/factors/passkey/register" hidden>Create the passkey</button> <a href="<%= it.identityUrl %>">Cancel</a></div>
  <p class="notice error" role="alert" data-webauthn-status hidden></p>
</form>`,
);

export function passkeySetupPage(data: PasskeySetupView): PageOptions {
  return { title: `Add a passkey — ${data.account}`, body: view('passkey-setup', data), passkeys: true };
}

export function totpSetupPage(data: TotpSetupView): PageOptions {
  return { title: `Add an authenticator app — ${data.account}`, body: view('totp-setup', data) };
}

export function recoveryCodesPage(data: RecoveryCodesView): PageOptions {
  return { title: `Recovery codes — ${data.account}`, body: view('recovery-codes', data) };
}
