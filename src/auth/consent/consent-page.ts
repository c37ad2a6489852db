import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import { text, type Text } from '../../i18n/locale.js';
import type { RealmFlags } from '../../realm/realm-policy.service.js';
import type { ReturnToCheck } from '../checkid/checkid-context.js';

// The consent page. Field names and decision values are the public contract of DESIGN.md.

export interface ConsentView {
  csrf: string;
  requestId: string;
  realm: string;
  flags: RealmFlags;
  returnToCheck: ReturnToCheck | undefined;
  identifier: string;
  /**
   * identifier_select: the choice between the person's own identifier (`own`) and a private one
   * for this site (DESIGN.md: the control `identifier`, values `public` and `private`); `private`
   * says whether the private one starts chosen.
   */
  identifierChoice?: { own: string; private: boolean };
  account: string;
  returnToOrigin?: string;
  /** Fields the RP asked for, with the values that would be sent (labels as people read them). */
  attributes: { field: string; label: string | Text; value: string | undefined; required: boolean; checked: boolean }[];
  policyUrl?: string;
  /** OpenID UI Extension 1.0 §5: the compact layout of a popup window. */
  popup?: boolean | undefined;
  /** OpenID UI Extension 1.0 §6: the RP's icon, checked and re-served by us (a data: URL). */
  rpIcon?: string | undefined;
  /** OpenID UI Extension 1.0 §4.2 ui.lang of the request: the page's language unless the visitor chose one. */
  languages?: readonly string[] | undefined;
}

// An internationalised host is shown as people read it and as DNS knows it: a homograph
// (Cyrillic "а" for Latin "a") shows up in the punycode.
defineView(
  'consent',
  `<h1><%= it.t('consent.heading') %></h1>
<p class="realm"><%= it.realm %></p>
<% if (it.flags.unicodeHost !== it.flags.asciiHost) { %><p class="meta"><%= it.t('consent.idn', { unicode: it.flags.unicodeHost, ascii: it.flags.asciiHost }) %></p><% } %>
<% if (it.flags.isHttp) { %><p class="notice warning"><%= it.t('consent.http_warning') %></p><% } %>
<% if (it.unverified) { %><p class="notice warning"><%= it.t('consent.unverified_warning') %></p><% } %>
<% if (it.identifierChoice) { %><p><%= it.t('consent.signed_in_as', { account: it.account }) %></p><% } else { %><p><%~ it.th('consent.learns_identifier', { identifier: it.identifier, account: it.account }) %></p><% } %>
<form method="post" action="/consent">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <input type="hidden" name="request" value="<%= it.requestId %>">
  <% if (it.identifierChoice) { %><fieldset>
    <legend><%= it.t('consent.identifier.legend') %></legend>
    <label class="check"><input type="radio" name="identifier" value="public"<% if (!it.identifierChoice.private) { %> checked<% } %>>
      <span><%~ it.th('consent.identifier.public', { identifier: it.identifierChoice.own }) %></span></label>
    <label class="check"><input type="radio" name="identifier" value="private"<% if (it.identifierChoice.private) { %> checked<% } %>>
      <span><%= it.t('consent.identifier.private') %></span></label>
  </fieldset><% } %>
  <% if (it.attributes.length > 0) { %><fieldset>
    <legend><%= it.t('consent.share.legend') %></legend>
    <% it.attributes.forEach(function (a) { %><label class="check"><input type="checkbox" name="release" value="<%= a.field %>"<% if (a.checked) { %> checked<% } %><% if (a.value === undefined) { %> disabled<% } %>>
      <span><% if (a.required && a.value === undefined) { %><%~ it.th('consent.share.field_required_missing', { label: a.label }) %><% } else if (a.required) { %><%~ it.th('consent.share.field_required', { label: a.label, value: a.value }) %><% } else if (a.value === undefined) { %><%~ it.th('consent.share.field_missing', { label: a.label }) %><% } else { %><%~ it.th('consent.share.field', { label: a.label, value: a.value }) %><% } %></span></label><% }) %>
    <% if (it.policyUrl) { %><p class="meta"><%~ it.th('consent.share.policy', { url: it.policyUrl }) %></p><% } %>
  </fieldset><% } %>
  <div class="actions">
    <button type="submit" name="decision" value="allow_once"><%= it.t('consent.decision.allow_once') %></button>
    <button type="submit" name="decision" value="allow_always"><%= it.t('consent.decision.allow_always') %></button>
    <button type="submit" name="decision" value="deny" class="secondary"><%= it.t('consent.decision.deny') %></button>
  </div>
</form>`,
);

export function consentPage(data: ConsentView): PageOptions {
  const unverified = data.returnToCheck !== undefined && data.returnToCheck.status !== 'verified' && data.returnToCheck.status !== 'skipped';
  return {
    title: text('consent.title'),
    formTargets: data.returnToOrigin ? [data.returnToOrigin] : [],
    body: view('consent', { ...data, unverified }),
    popup: data.popup,
    rpIcon: data.rpIcon,
    languages: data.languages,
  };
}
