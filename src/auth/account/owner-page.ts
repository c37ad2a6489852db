import { identityHead, type IdentityLinks } from '../../discovery/identity-page.js';
import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import { deviceName } from './device-name.js';
import type { ProfileField } from '../../users/user.entity.js';
import type { FactorOverview } from '../factors/second-factor.service.js';

export interface OwnerView {
  account: string;
  /** Who checks the password: local (this provider) or xmpp (the domain's XMPP server). */
  accountKind: 'local' | 'xmpp';
  /** When the vCard was last read (XMPP accounts that signed in). */
  vcardFetchedAt?: Date;
  /** `value` is the user's own; `vcard` the vCard's, released while the user's own is empty. */
  profile: { field: ProfileField; label: string; hint?: string; type: 'text' | 'tel'; value: string; vcard?: string; shared: boolean }[];
  links: IdentityLinks;
  csrf: string;
  currentSessionId: string;
  /** `identifier`: the one "always allow" was given with (public: the person's own). */
  grants: { id: string; realm: string; fields: string[]; identifier: 'public' | 'private'; createdAt: Date; lastUsedAt: Date | null }[];
  /** Sites (normalised realms) that know the person by a private identifier. */
  privateIdentifiers: { realm: string; createdAt: Date; lastUsedAt: Date }[];
  sessions: { id: string; createdAt: Date; lastSeenAt: Date; ip: string | null; userAgent: string | null; remember: boolean }[];
  events: { kind: string; realm: string | null; ip: string | null; createdAt: Date }[];
  /** Whether the OpenID bot sends new-site notices; undefined where the domain has no bot. */
  notices?: boolean;
  /** Second factors (issue 13): authenticator apps, passkeys, and what is left of the recovery codes. */
  factors: FactorOverview;
  /** Whether "Add a passkey" is offered (a domain that can have passkeys: a domain name over HTTPS). */
  passkeys: boolean;
}

const EVENT_LABELS: Readonly<Record<string, string>> = {
  login_succeeded: 'Signed in',
  login_failed: 'Failed sign-in attempt',
  login_throttled: 'Sign-in attempt refused (too many failures)',
  assertion_approved: 'Allowed a site',
  assertion_approved_automatically: 'Signed in to a trusted site',
  assertion_denied: 'Refused a site',
  logout: 'Signed out',
  logout_everywhere: 'Signed out everywhere',
  trust_revoked: 'Stopped trusting a site',
  session_revoked: 'Ended a session',
  second_factor_failed: 'Wrong second-factor code',
  second_factor_throttled: 'Second-factor code refused (too many wrong codes)',
  recovery_code_used: 'Used a recovery code',
  step_up_succeeded: 'Confirmed with a second factor for a site',
  second_factor_added: 'Added an authenticator app',
  second_factor_removed: 'Removed an authenticator app',
  recovery_codes_created: 'Made new recovery codes',
  passkey_added: 'Added a passkey',
  passkey_removed: 'Removed a passkey',
  passkey_refused: 'Passkey sign-in refused',
  passkey_counter_regression: 'Passkey refused: it may have been copied',
};

// Small pieces shared by the owner page's sections.
defineView('when', `<time datetime="<%= it.iso %>"><%= it.iso.slice(0, 16).replace('T', ' ') %> UTC</time>`);
defineView(
  'post-button',
  `<form method="post" action="<%= it.action %>" class="inline"><input type="hidden" name="csrf" value="<%= it.csrf %>"><button type="submit"<% if (it.secondary) { %> class="secondary"<% } %>><%= it.label %></button></form>`,
);

defineView(
  'owner',
  `<h1><%= it.account %></h1>
<p>Your OpenID identifier: <code><%= it.links.identifier %></code></p>
<p class="meta"><% if (it.accountKind === 'xmpp') { %>XMPP account: your password is checked by your chat server<% } else { %>Local account: your password is kept by this provider<% } %></p>
<div class="actions"><%~ include('@post-button', { action: '/logout', csrf: it.csrf, label: 'Sign out', secondary: false }) %><%~ include('@post-button', { action: '/logout-everywhere', csrf: it.csrf, label: 'Sign out everywhere', secondary: true }) %></div>

<section aria-labelledby="profile">
<h2 id="profile">Your profile</h2>
<p>Sites may ask for these details. You decide each time; ticked ones are offered by default.</p>
<form method="post" action="/account/profile" class="profile">
<input type="hidden" name="csrf" value="<%= it.csrf %>">
<% it.profile.forEach(function (p) { %><div class="field">
<label><%= p.label %><% if (p.hint) { %> <span class="meta">(<%= p.hint %>)</span><% } %> <input type="<%= p.type %>" name="<%= p.field %>" value="<%= p.value %>"<% if (p.vcard && !p.value) { %> placeholder="<%= p.vcard %>"<% } %>></label>
<% if (p.vcard) { %><span class="meta vcard"><% if (p.value) { %>Your own value; your vCard says <%= p.vcard %><% } else { %>From your vCard: <%= p.vcard %><% } %><% if (it.vcardFetchedAt) { %> (read <%~ include('@when', { iso: it.vcardFetchedAt.toISOString() }) %>)<% } %><% if (!p.value) { %>. Type a value to use your own instead<% } %></span><% } %>
<label class="check"><input type="checkbox" name="share" value="<%= p.field %>"<% if (p.shared) { %> checked<% } %>> Share by default</label>
</div><% }) %>
<div class="actions"><button type="submit">Save profile</button></div>
</form>
</section>

<section aria-labelledby="factors">
<h2 id="factors">Second factor</h2>
<% var any = it.factors.apps.length + it.factors.passkeys.length > 0; %>
<% if (!any) { %><p>Signing in asks for your password only. Add an authenticator app or a passkey to be asked for it too.</p><% } else { %><ul class="list"><% it.factors.apps.forEach(function (f) { %><li><span><%= f.label %></span>
<span class="meta">added <%~ include('@when', { iso: f.createdAt.toISOString() }) %><% if (f.lastUsedAt) { %> · last used <%~ include('@when', { iso: f.lastUsedAt.toISOString() }) %><% } %></span>
<%~ include('@post-button', { action: '/account/factors/totp/' + f.id + '/remove', csrf: it.csrf, label: 'Remove', secondary: true }) %></li><% }) %><% it.factors.passkeys.forEach(function (p) { %><li class="passkey"><span><%= p.label %> <span class="meta">(passkey)</span></span>
<span class="meta">added <%~ include('@when', { iso: p.createdAt.toISOString() }) %><% if (p.lastUsedAt) { %> · last used <%~ include('@when', { iso: p.lastUsedAt.toISOString() }) %><% } %></span>
<%~ include('@post-button', { action: '/account/factors/passkey/' + p.id + '/remove', csrf: it.csrf, label: 'Remove', secondary: true }) %></li><% }) %></ul>
<% if (it.factors.recovery) { %><p class="meta">Recovery codes: <%= it.factors.recovery.left %> of <%= it.factors.recovery.total %> left (made <%~ include('@when', { iso: it.factors.recovery.createdAt.toISOString() }) %>).</p><% } %><% } %>
<div class="actions"><%~ include('@post-button', { action: '/account/factors/totp', csrf: it.csrf, label: 'Add an authenticator app', secondary: any }) %><% if (it.passkeys) { %><%~ include('@post-button', { action: '/account/factors/passkey', csrf: it.csrf, label: 'Add a passkey', secondary: any }) %><% } %><% if (any) { %><%~ include('@post-button', { action: '/account/factors/recovery', csrf: it.csrf, label: 'New recovery codes', secondary: true }) %><% } %></div>
</section>

<section aria-labelledby="trusted">
<h2 id="trusted">Trusted sites</h2>
<% if (it.grants.length === 0) { %><p>No site is always allowed. Sites you choose “Always allow” for appear here.</p><% } else { %><ul class="list"><% it.grants.forEach(function (g) { %><li><span class="realm"><%= g.realm %></span>
<span class="meta"><%= g.identifier === 'private' ? 'Knows you by a private identifier' + (g.fields.length > 0 ? '; shares: ' + g.fields.join(', ') : '') : g.fields.length > 0 ? 'Shares: ' + g.fields.join(', ') : 'Shares only your identifier' %> · trusted since <%~ include('@when', { iso: g.createdAt.toISOString() }) %><% if (g.lastUsedAt) { %> · last used <%~ include('@when', { iso: g.lastUsedAt.toISOString() }) %><% } %></span>
<%~ include('@post-button', { action: '/account/trust/' + g.id + '/revoke', csrf: it.csrf, label: 'Revoke', secondary: true }) %></li><% }) %></ul><% } %>
</section>

<section aria-labelledby="private">
<h2 id="private">Private identifiers</h2>
<% if (it.privateIdentifiers.length === 0) { %><p>No site knows you by a private identifier. When a site lets you choose, you can sign in to it with one of its own, which no other site can link to you.</p><% } else { %><p>These sites know you by a private identifier of their own, not by your identifier above.</p>
<ul class="list"><% it.privateIdentifiers.forEach(function (p) { %><li><span class="realm"><%= p.realm %></span>
<span class="meta">since <%~ include('@when', { iso: p.createdAt.toISOString() }) %> · last used <%~ include('@when', { iso: p.lastUsedAt.toISOString() }) %></span></li><% }) %></ul><% } %>
</section>

<% if (it.notices !== undefined) { %><section aria-labelledby="notices">
<h2 id="notices">Chat notices</h2>
<p>The OpenID bot <%= it.notices ? 'sends you a chat message' : 'does not send you a message' %> when you sign in to a site for the first time.</p>
<form method="post" action="/account/notices" class="inline"><input type="hidden" name="csrf" value="<%= it.csrf %>"><input type="hidden" name="notices" value="<%= it.notices ? 'off' : 'on' %>"><button type="submit" class="secondary"><%= it.notices ? 'Turn notices off' : 'Turn notices on' %></button></form>
</section>

<% } %><section aria-labelledby="sessions">
<h2 id="sessions">Sessions</h2>
<ul class="list"><% it.sessions.forEach(function (s) { %><li><span><span title="<%= s.userAgent || '' %>"><%= s.device %></span><% if (s.id === it.currentSessionId) { %> <strong>(this browser)</strong><% } %></span>
<span class="meta">from <%= s.ip || 'unknown address' %> · signed in <%~ include('@when', { iso: s.createdAt.toISOString() }) %> · last active <%~ include('@when', { iso: s.lastSeenAt.toISOString() }) %><% if (s.remember) { %> · remembered<% } %></span>
<% if (s.id !== it.currentSessionId) { %><%~ include('@post-button', { action: '/account/sessions/' + s.id + '/revoke', csrf: it.csrf, label: 'End session', secondary: true }) %><% } %></li><% }) %></ul>
</section>

<section aria-labelledby="history">
<h2 id="history">Recent sign-ins</h2>
<% if (it.events.length === 0) { %><p>Nothing yet.</p><% } else { %><ul class="list"><% it.events.forEach(function (e) { %><li><span><%= it.labels[e.kind] || e.kind %><% if (e.realm) { %> · <span class="realm-inline"><%= e.realm %></span><% } %></span>
<span class="meta"><%~ include('@when', { iso: e.createdAt.toISOString() }) %><% if (e.ip) { %> · from <%= e.ip %><% } %></span></li><% }) %></ul><% } %>
</section>

<section aria-labelledby="delegate">
<h2 id="delegate">Use your own web address</h2>
<p>To sign in with the address of your own web site, put these lines in the <code>&lt;head&gt;</code> of its home page:</p>
<pre><code><%= it.snippet %></code></pre>
</section>`,
);

/** The identity page as its owner sees it: what they trust, where they are signed in, what happened. */
export function ownerPage(data: OwnerView): PageOptions {
  const { links } = data;
  const snippet = `<link rel="openid2.provider" href="${links.endpoint}">
<link rel="openid2.local_id" href="${links.identifier}">
<link rel="openid.server" href="${links.endpoint}">
<link rel="openid.delegate" href="${links.identifier}">`;
  return {
    title: `${data.account} — your OpenID`,
    head: identityHead(links),
    body: view('owner', { ...data, sessions: data.sessions.map((s) => ({ ...s, device: deviceName(s.userAgent) })), snippet, labels: EVENT_LABELS }),
  };
}
