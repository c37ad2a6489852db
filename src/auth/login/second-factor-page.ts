import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';

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
  error?: string | undefined;
  /** How long "Remember this device" lasts, in days (security.second_factor.remember_device). */
  rememberDays: number;
  /** OpenID UI Extension 1.0 §5: the compact layout of a popup window. */
  popup?: boolean | undefined;
  /** Whether to offer "Use a passkey" (the account has one). */
  passkey: boolean;
  /** A site asked for phishing-resistant authentication: only a passkey gives it. */
  wantPasskey: boolean;
  /** Whether the account has an authenticator app (else the code is a recovery code). */
  hasApp: boolean;
}

defineView(
  'second-factor',
  `<h1>Confirm it is you</h1>
<p><% if (it.mode === 'step-up') { %><% if (it.site) { %><span class="realm"><%= it.site %></span> asks for<% } else { %>This needs<% } %> a second proof that you are <strong><%= it.account %></strong>.<% } else { %>Signing in as <strong><%= it.account %></strong><% if (it.site) { %> to continue to <span class="realm"><%= it.site %></span><% } %>.<% } %></p>
<% if (it.wantPasskey && it.passkey) { %><p class="notice">The site asks for a passkey: a code is not enough for it.</p><% } %>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/login/code">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <% if (it.requestId) { %><input type="hidden" name="request" value="<%= it.requestId %>"><% } %>
  <% if (it.interaction) { %><input type="hidden" name="interaction" value="<%= it.interaction %>"><% } %>
  <label><% if (it.hasApp) { %>Code from your authenticator app, or a recovery code<% } else { %>A recovery code<% } %> <input type="text" name="code" inputmode="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="64" required autofocus></label>
  <% if (it.mode === 'sign-in') { %><label class="check"><input type="checkbox" name="remember_device" value="1"> Remember this device for <%= it.rememberDays %> days (no code asked here; sites are told a single factor was used)</label><% } %>
  <div class="actions"><button type="submit">Continue</button><% if (it.passkey) { %>
    <button type="button" class="secondary" data-webauthn="authenticate" data-options="/login/code/passkey/options" data-action="/login/code/passkey" hidden>Use a passkey</button><% } %></div>
  <% if (it.passkey) { %><p class="notice error" role="alert" data-webauthn-status hidden></p><% } %>
</form>`,
);

export function secondFactorPage(data: SecondFactorView): PageOptions {
  return {
    title: `Second factor — ${data.domain}`,
    formTargets: data.returnToOrigin ? [data.returnToOrigin] : [],
    body: view('second-factor', data),
    popup: data.popup,
    passkeys: data.passkey,
  };
}
