import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import { text, type Text } from '../../i18n/locale.js';

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
  scopes: { scope: string; label: Text }[];
  /** The profile fields those scopes ask for, with the values that would be sent (the SReg choices). */
  attributes: { field: string; label: Text; value: string | undefined; checked: boolean }[];
  /**
   * The `openid2` scope, when asked and not yet decided: the OpenID 2.0 Identifier that would be
   * sent (openid2_id), which the person may withhold and still sign in.
   */
  openid2?: { identifier: string } | undefined;
}

/** What each scope means to a person (OpenID Connect Core 1.0 §5.4, §11). */
export const SCOPE_LABELS: Readonly<Record<string, Text>> = {
  openid: text('oidc.consent.scopes.openid'),
  profile: text('oidc.consent.scopes.profile'),
  email: text('oidc.consent.scopes.email'),
  address: text('oidc.consent.scopes.address'),
  phone: text('oidc.consent.scopes.phone'),
  offline_access: text('oidc.consent.scopes.offline_access'),
  // `openid2` is not in this list: it has its own choice on the page (OidcConsentView.openid2).
};

defineView(
  'oidc-consent',
  `<h1><%= it.t('oidc.consent.heading') %></h1>
<p class="realm"><%= it.clientName || it.clientId %></p>
<p class="meta"><%~ it.th('oidc.consent.application', { clientId: it.clientId, origin: it.redirectOrigin }) %></p>
<p><%~ it.th('oidc.consent.signed_in_as', { account: it.account }) %></p>
<form method="post" action="/oidc/interaction/<%= it.uid %>">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <% if (it.scopes.length > 0) { %><fieldset>
    <legend><%= it.t('oidc.consent.asks_for') %></legend>
    <ul><% it.scopes.forEach(function (s) { %><li><%= s.label %> <span class="meta">(<code><%= s.scope %></code>)</span></li><% }) %></ul>
  </fieldset><% } %>
  <% if (it.openid2) { %><fieldset>
    <legend><%= it.t('oidc.consent.openid2.legend') %></legend>
    <p><%~ it.th('oidc.consent.openid2.text', { identifier: it.openid2.identifier }) %></p>
    <label class="check"><input type="radio" name="openid2" value="link" checked> <span><%= it.t('oidc.consent.openid2.link') %></span></label>
    <label class="check"><input type="radio" name="openid2" value="withhold"> <span><%= it.t('oidc.consent.openid2.withhold') %></span></label>
  </fieldset><% } %>
  <% if (it.attributes.length > 0) { %><fieldset>
    <legend><%= it.t('oidc.consent.details') %></legend>
    <% it.attributes.forEach(function (a) { %><label class="check"><input type="checkbox" name="release" value="<%= a.field %>"<% if (a.checked) { %> checked<% } %><% if (a.value === undefined) { %> disabled<% } %>>
      <span><%= it.t('oidc.consent.field', { label: a.label }) %> <% if (a.value === undefined) { %><span class="meta"><%= it.t('oidc.consent.not_in_profile') %></span><% } else { %><span class="value"><%= a.value %></span><% } %></span></label><% }) %>
  </fieldset><% } %>
  <div class="actions">
    <button type="submit" name="decision" value="allow_once"><%= it.t('oidc.consent.allow_once') %></button>
    <button type="submit" name="decision" value="allow_always"><%= it.t('oidc.consent.allow_always') %></button>
    <button type="submit" name="decision" value="deny" class="secondary"><%= it.t('oidc.consent.deny') %></button>
  </div>
</form>`,
);

/** `languages`: the request's ui_locales (OpenID Connect Core 1.0 §3.1.2.1), most preferred first. */
export function oidcConsentPage(data: OidcConsentView, languages?: readonly string[]): PageOptions {
  return { title: text('oidc.consent.title'), formTargets: [data.redirectOrigin], body: view('oidc-consent', data), languages };
}
