import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';

// The consent page of an OpenID Connect authorization request: the look of /consent (the
// OpenID 2.0 one), with the client's name and client_id instead of a realm.

export interface OidcConsentView {
  csrf: string;
  uid: string;
  clientName: string | undefined;
  clientId: string;
  /** The origin of the redirect_uri: the form's answer ends there (CSP form-action). */
  redirectOrigin: string;
  account: string;
  /** The scopes asked for and not yet granted, with what they mean for the person. */
  scopes: { scope: string; label: string }[];
  /** The profile fields those scopes ask for, with the values that would be sent (the SReg choices). */
  attributes: { field: string; label: string; value: string | undefined; checked: boolean }[];
  /**
   * The `openid2` scope, when asked and not yet decided: the OpenID 2.0 Identifier that would be
   * sent (openid2_id), which the person may withhold and still sign in.
   */
  openid2?: { identifier: string } | undefined;
}

/** What each scope means to a person (OpenID Connect Core 1.0 §5.4, §11). */
export const SCOPE_LABELS: Readonly<Record<string, string>> = {
  openid: 'Who you are on this provider (an identifier for your account)',
  profile: 'Your profile: name, nickname, date of birth, gender, language, time zone',
  email: 'Your e-mail address',
  address: 'Your postcode and country',
  phone: 'Your phone number',
  offline_access: 'Access while you are not signed in (a long-lived refresh token)',
  // `openid2` is not in this list: it has its own choice on the page (OidcConsentView.openid2).
};

defineView(
  'oidc-consent',
  `<h1>Sign in to this application?</h1>
<p class="realm"><%= it.clientName || it.clientId %></p>
<p class="meta">Application <code><%= it.clientId %></code> · answers go to <%= it.redirectOrigin %></p>
<p>You are signed in as <strong><%= it.account %></strong>.</p>
<form method="post" action="/oidc/interaction/<%= it.uid %>">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <% if (it.scopes.length > 0) { %><fieldset>
    <legend>The application asks for</legend>
    <ul><% it.scopes.forEach(function (s) { %><li><%= s.label %> <span class="meta">(<code><%= s.scope %></code>)</span></li><% }) %></ul>
  </fieldset><% } %>
  <% if (it.openid2) { %><fieldset>
    <legend>Your OpenID from before</legend>
    <p>This application can learn that you are <code><%= it.openid2.identifier %></code>, the OpenID you may have used with it before.</p>
    <label class="check"><input type="radio" name="openid2" value="link" checked> <span>Tell it, so that it finds my old account</span></label>
    <label class="check"><input type="radio" name="openid2" value="withhold"> <span>Don't tell it: it sees me as a new user</span></label>
  </fieldset><% } %>
  <% if (it.attributes.length > 0) { %><fieldset>
    <legend>Send these details</legend>
    <% it.attributes.forEach(function (a) { %><label class="check"><input type="checkbox" name="release" value="<%= a.field %>"<% if (a.checked) { %> checked<% } %><% if (a.value === undefined) { %> disabled<% } %>>
      <span><%= a.label %>: <% if (a.value === undefined) { %><span class="meta">not in your profile</span><% } else { %><span class="value"><%= a.value %></span><% } %></span></label><% }) %>
  </fieldset><% } %>
  <div class="actions">
    <button type="submit" name="decision" value="allow_once">Allow once</button>
    <button type="submit" name="decision" value="allow_always">Always allow</button>
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
  </div>
</form>`,
);

export function oidcConsentPage(data: OidcConsentView): PageOptions {
  return { title: 'Sign in to an application?', formTargets: [data.redirectOrigin], body: view('oidc-consent', data) };
}
