import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';

// The login page. Field names are the public contract of DESIGN.md.

export interface LoginView {
  csrf: string;
  /** Origin of the pending request's return_to: a login can end with a redirect there. */
  returnToOrigin?: string;
  requestId?: string;
  /** The OpenID Connect interaction this sign-in continues (src/oidc). */
  interaction?: string | undefined;
  /** Its application (client name and redirect origin), while the interaction is pending. */
  application?: { name: string; clientId: string; origin: string } | undefined;
  domain: string;
  username?: string;
  /** Realm being signed in to, when there is a pending request. */
  realm?: string;
  error?: string;
  /** A message that is no error (why the form is asked again). */
  notice?: string;
  /** Whether to offer "Confirm with my chat app" (XEP-0070 approval; `accounts: xmpp` with a bot). */
  chatApproval?: boolean;
  /** OpenID UI Extension 1.0 §5: the compact layout of a popup window. */
  popup?: boolean | undefined;
  /**
   * Whether to offer a passkey-only sign-in (security.passkeys.sign_in, a domain that can have
   * passkeys). Its button says "Use a passkey instead": a name without "Sign in" in it, so that
   * whoever finds the password form's button by that name ("Sign in") still finds one.
   */
  passkeySignIn?: boolean | undefined;
}

defineView(
  'login',
  `<h1>Sign in with your <%= it.domain %> account</h1>
<% if (it.realm) { %><p>to continue to <span class="realm"><%= it.realm %></span></p><% } else if (it.application) { %><p>to continue to <span class="realm"><%= it.application.name %></span> <span class="meta">(application <code><%= it.application.clientId %></code> at <%= it.application.origin %>)</span></p><% } %>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } else if (it.notice) { %><p class="notice"><%= it.notice %></p><% } %>
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <% if (it.requestId) { %><input type="hidden" name="request" value="<%= it.requestId %>"><% } %>
  <% if (it.interaction) { %><input type="hidden" name="interaction" value="<%= it.interaction %>"><% } %>
  <label>Username <input type="text" name="username" value="<%= it.username || '' %>" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <label class="check"><input type="checkbox" name="remember" value="1"> Keep me signed in on this device</label>
  <div class="actions"><button type="submit" name="method" value="password">Sign in</button><% if (it.chatApproval) { %>
    <button type="submit" name="method" value="xmpp" formnovalidate>Confirm with my chat app</button><% } %><% if (it.passkeySignIn) { %>
    <button type="button" class="secondary" data-webauthn="authenticate" data-options="/login/passkey/options" data-action="/login/passkey" hidden>Use a passkey instead</button><% } %></div>
  <% if (it.passkeySignIn) { %><p class="notice error" role="alert" data-webauthn-status hidden></p><% } %>
</form>`,
);

export function loginPage(data: LoginView): PageOptions {
  return {
    title: `Sign in — ${data.domain}`,
    formTargets: data.returnToOrigin ? [data.returnToOrigin] : [],
    body: view('login', data),
    popup: data.popup,
    passkeys: data.passkeySignIn === true,
  };
}
