import type { PageOptions } from '../../http/pages.js';
import { text, type Text } from '../../i18n/locale.js';
import { defineView, view } from '../../http/views.js';
// The status line under a passkey button (the view '@passkey-status').
import '../../http/passkey-status.js';

// The second-factor page (DESIGN.md "Sign-in with a second factor"): one form with an input named
// `code`, a TOTP or a recovery code, "Remember this device", and a "Use a passkey" button for an
// account with a passkey (shown by /assets/passkeys.js where the browser has WebAuthn).

export interface SecondFactorView {
  csrf: string;
  domain: string;
  account: string;
  /** Whether this finishes a sign-in (the password was right) or steps up a session a site wants stronger. */
  mode: 'sign-in' | 'step-up';
  requestId?: string | undefined;
  interaction?: string | undefined;
  /** The realm or application being signed in to, if any. */
  site?: string | undefined;
  /** Origin the form may end up redirecting to (CSP form-action follows redirects). */
  returnToOrigin?: string | undefined;
  /** Why the code was refused (a catalogue text, rendered in the page's language). */
  error?: Text | undefined;
  /** How long "Remember this device" lasts, in days (security.second_factor.remember_device). */
  rememberDays: number;
  /** OpenID UI Extension 1.0 §5: the compact layout of a popup window. */
  popup?: boolean | undefined;
  /** OpenID UI Extension 1.0 §4.2 ui.lang of the pending request: the page's language unless the visitor chose one. */
  languages?: readonly string[] | undefined;
  /** Whether to offer "Use a passkey" (the account has one). */
  passkey: boolean;
  /** A site asked for phishing-resistant authentication: only a passkey gives it. */
  wantPasskey: boolean;
  /** Whether the account has an authenticator app (else the code is a recovery code). */
  hasApp: boolean;
}

defineView(
  'second-factor',
  `<h1><%= it.t('login.code.heading') %></h1>
<p><% if (it.mode === 'step-up') { %><% if (it.site) { %><%~ it.th('login.code.step_up_site', { site: it.site, account: it.account }) %><% } else { %><%~ it.th('login.code.step_up', { account: it.account }) %><% } %><% } else if (it.site) { %><%~ it.th('login.code.sign_in_site', { site: it.site, account: it.account }) %><% } else { %><%~ it.th('login.code.sign_in', { account: it.account }) %><% } %></p>
<% if (it.wantPasskey && it.passkey) { %><p class="notice"><%= it.t('login.code.want_passkey') %></p><% } %>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/login/code">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <% if (it.wantPasskey) { %><input type="hidden" name="want" value="passkey"><% } %>
  <% if (it.requestId) { %><input type="hidden" name="request" value="<%= it.requestId %>"><% } %>
  <% if (it.interaction) { %><input type="hidden" name="interaction" value="<%= it.interaction %>"><% } %>
  <label><%= it.hasApp ? it.t('login.code.label') : it.t('login.code.label_recovery') %> <input type="text" name="code" inputmode="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="64" required autofocus></label>
  <% if (it.mode === 'sign-in') { %><label class="check"><input type="checkbox" name="remember_device" value="1"> <%= it.t('login.code.remember_device', { count: it.rememberDays }) %></label><% } %>
  <div class="actions"><button type="submit"><%= it.t('login.code.continue') %></button><% if (it.passkey) { %>
    <button type="button" class="secondary" data-webauthn="authenticate" data-options="/login/code/passkey/options" data-action="/login/code/passkey" hidden><%= it.t('login.code.passkey') %></button><% } %></div>
  <% if (it.passkey) { %><%~ include('@passkey-status', it) %><% } %>
</form>`,
);

export function secondFactorPage(data: SecondFactorView): PageOptions {
  return {
    title: text('login.code.title', { domain: data.domain }),
    formTargets: data.returnToOrigin ? [data.returnToOrigin] : [],
    body: view('second-factor', data),
    popup: data.popup,
    languages: data.languages,
    passkeys: data.passkey,
  };
}
