import type { PageOptions } from '../../http/pages.js';
import { text, type Text } from '../../i18n/locale.js';
import { defineView, view } from '../../http/views.js';
// The status line under a passkey button (the view '@passkey-status').
import '../../http/passkey-status.js';

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
  /** Why the form was refused (a catalogue text, rendered in the page's language). */
  error?: Text;
  /** A message that is no error (why the form is asked again). */
  notice?: Text;
  /** Whether to offer "Confirm with my chat app" (XEP-0070 approval; `accounts: xmpp` with a bot). */
  chatApproval?: boolean;
  /** OpenID UI Extension 1.0 §5: the compact layout of a popup window. */
  popup?: boolean | undefined;
  /** OpenID UI Extension 1.0 §4.2 ui.lang of the pending request: the page's language unless the visitor chose one. */
  languages?: readonly string[] | undefined;
  /**
   * Whether to offer a passkey-only sign-in (security.passkeys.sign_in, a domain that can have
   * passkeys). Its button says "Use a passkey instead": a name without "Sign in" in it, so that
   * whoever finds the password form's button by that name ("Sign in") still finds one.
   */
  passkeySignIn?: boolean | undefined;
}

defineView(
  'login',
  `<h1><%= it.t('login.heading', { domain: it.domain }) %></h1>
<% if (it.realm) { %><p><%~ it.th('login.continue_to_realm', { realm: it.realm }) %></p><% } else if (it.application) { %><p><%~ it.th('login.continue_to_application', { name: it.application.name, clientId: it.application.clientId, origin: it.application.origin }) %></p><% } %>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } else if (it.notice) { %><p class="notice"><%= it.notice %></p><% } %>
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <% if (it.requestId) { %><input type="hidden" name="request" value="<%= it.requestId %>"><% } %>
  <% if (it.interaction) { %><input type="hidden" name="interaction" value="<%= it.interaction %>"><% } %>
  <label><%= it.t('login.username') %> <input type="text" name="username" value="<%= it.username || '' %>" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus></label>
  <label><%= it.t('login.password') %> <input type="password" name="password" autocomplete="current-password" required></label>
  <label class="check"><input type="checkbox" name="remember" value="1"> <%= it.t('login.remember') %></label>
  <div class="actions"><button type="submit" name="method" value="password"><%= it.t('login.sign_in') %></button><% if (it.chatApproval) { %>
    <button type="submit" name="method" value="xmpp" formnovalidate><%= it.t('login.chat_approval') %></button><% } %><% if (it.passkeySignIn) { %>
    <button type="button" class="secondary" data-webauthn="authenticate" data-options="/login/passkey/options" data-action="/login/passkey" hidden><%= it.t('login.passkey_sign_in') %></button><% } %></div>
  <% if (it.passkeySignIn) { %><%~ include('@passkey-status', it) %><% } %>
</form>`,
);

export function loginPage(data: LoginView): PageOptions {
  return {
    title: text('login.title', { domain: data.domain }),
    formTargets: data.returnToOrigin ? [data.returnToOrigin] : [],
    body: view('login', data),
    popup: data.popup,
    languages: data.languages,
    passkeys: data.passkeySignIn === true,
  };
}
