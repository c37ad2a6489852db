import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import type { Text } from '../../i18n/locale.js';
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
  /** Fields the RP asked for, with the values that would be sent. */
  attributes: { field: string; label: string | Text; value: string | undefined; required: boolean; checked: boolean }[];
  policyUrl?: string;
  /** OpenID UI Extension 1.0 §5: the compact layout of a popup window. */
  popup?: boolean | undefined;
  /** OpenID UI Extension 1.0 §6: the RP's icon, checked and re-served by us (a data: URL). */
  rpIcon?: string | undefined;
}

// An internationalised host is shown as people read it and as DNS knows it: a homograph
// (Cyrillic "а" for Latin "a") shows up in the punycode.
defineView(
  'consent',
  `<h1>Sign in to this site?</h1>
<p class="realm"><%= it.realm %></p>
<% if (it.flags.unicodeHost !== it.flags.asciiHost) { %><p class="meta">Internationalised address: <%= it.flags.unicodeHost %> (<%= it.flags.asciiHost %>)</p><% } %>
<% if (it.flags.isHttp) { %><p class="notice warning">This site does not use HTTPS: what it receives could be read or changed on the way.</p><% } %>
<% if (it.unverified) { %><p class="notice warning">The site did not confirm the address it asked us to send you back to. Continue only if you started this sign-in yourself. Until it does, you are asked here every time, even for a site you always allow.</p><% } %>
<% if (it.identifierChoice) { %><p>Signed in as <%= it.account %>.</p><% } else { %><p>The site will learn that you are <strong><%= it.identifier %></strong> (signed in as <%= it.account %>).</p><% } %>
<form method="post" action="/consent">
  <input type="hidden" name="csrf" value="<%= it.csrf %>">
  <input type="hidden" name="request" value="<%= it.requestId %>">
  <% if (it.identifierChoice) { %><fieldset>
    <legend>Sign in to this site as</legend>
    <label class="check"><input type="radio" name="identifier" value="public"<% if (!it.identifierChoice.private) { %> checked<% } %>>
      <span>Your identifier: <span class="value"><%= it.identifierChoice.own %></span></span></label>
    <label class="check"><input type="radio" name="identifier" value="private"<% if (it.identifierChoice.private) { %> checked<% } %>>
      <span>A private identifier for this site only: the same each time you sign in here, and no other site can link it to you or to your identifier</span></label>
  </fieldset><% } %>
  <% if (it.attributes.length > 0) { %><fieldset>
    <legend>The site also asks for</legend>
    <% it.attributes.forEach(function (a) { %><label class="check"><input type="checkbox" name="release" value="<%= a.field %>"<% if (a.checked) { %> checked<% } %><% if (a.value === undefined) { %> disabled<% } %>>
      <span><%= a.label %><% if (a.required) { %> <strong>(required by the site)</strong><% } %>: <% if (a.value === undefined) { %><span class="meta">not in your profile</span><% } else { %><span class="value"><%= a.value %></span><% } %></span></label><% }) %>
    <% if (it.policyUrl) { %><p class="meta">How the site uses them: <a href="<%= it.policyUrl %>" rel="noopener noreferrer"><%= it.policyUrl %></a></p><% } %>
  </fieldset><% } %>
  <div class="actions">
    <button type="submit" name="decision" value="allow_once">Allow once</button>
    <button type="submit" name="decision" value="allow_always">Always allow</button>
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
  </div>
</form>`,
);

export function consentPage(data: ConsentView): PageOptions {
  const unverified = data.returnToCheck !== undefined && data.returnToCheck.status !== 'verified' && data.returnToCheck.status !== 'skipped';
  return {
    title: 'Sign in to a site?',
    formTargets: data.returnToOrigin ? [data.returnToOrigin] : [],
    body: view('consent', { ...data, unverified }),
    popup: data.popup,
    rpIcon: data.rpIcon,
  };
}
