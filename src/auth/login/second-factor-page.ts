import type { PageOptions } from '../../http/pages.js';
import { text, type Text } from '../../i18n/locale.js';
import { defineView, view } from '../../http/views.js';

// The second-factor page (DESIGN.md "Sign-in with a second factor"): one form with an input named
// `code`, a TOTP or a recovery code, and "Remember this device". A passkey button comes later.

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
}

defineView(
  'second-factor',
  `<h1><%= it.t('login.code.heading') %></h1>
<p><% if (it.mode === 'step-up') { %><% if (it.site) { %><%~ it.th('login.code.step_up_site', { site: it.site, account: it.account }) %><% } else { %><%~ it.th('login.code.step_up', { account: it.account }) %><% } %><% } else if (it.site) { %><%~ it.th('login.code.sign_in_site', { site: it.site, account: it.account }) %><% } else { %><%~ it.th('login.code.sign_in', { account: it.account }) %><% } %></p>
<% if (it.error) { %><p class="notice error" role="alert"><%= it.error %></p><% } %>
<form method="post" action="/login/code">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <% if (it.requestId) { %><input type="hidden" name="request" value="<%= it.requestId %>"><% } %>
  <% if (it.interaction) { %><input type="hidden" name="interaction" value="<%= it.interaction %>"><% } %>
  <label><%= it.t('login.code.label') %> <input type="text" name="code" inputmode="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="64" required autofocus></label>
  <% if (it.mode === 'sign-in') { %><label class="check"><input type="checkbox" name="remember_device" value="1"> <%= it.t('login.code.remember_device', { count: it.rememberDays }) %></label><% } %>
  <div class="actions"><button type="submit"><%= it.t('login.code.continue') %></button></div>
</form>`,
);

export function secondFactorPage(data: SecondFactorView): PageOptions {
  return {
    title: text('login.code.title', { domain: data.domain }),
    formTargets: data.returnToOrigin ? [data.returnToOrigin] : [],
    body: view('second-factor', data),
    popup: data.popup,
    languages: data.languages,
  };
}
