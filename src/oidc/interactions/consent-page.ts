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
}

/** What each scope means to a person (OpenID Connect Core 1.0 §5.4, §11). */
export const SCOPE_LABELS: Readonly<Record<string, string>> = {
  openid: 'Who you are on this provider (an identifier for your account)',
  profile: 'Your profile: name, nickname, date of birth, gender, language, time zone',
  email: 'Your e-mail address',
  address: 'Your postcode and country',
  phone: 'Your phone number',
  offline_access: 'Access while you are not signed in (a long-lived refresh token)',
  // OpenID 2.0 to OpenID Connect Migration 1.0 §9.1: the person is asked before the two identities are linked.
  openid2: 'The OpenID you used with this site before, so that it finds your old account',
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
