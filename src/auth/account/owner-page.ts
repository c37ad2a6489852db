import type { AuditKind } from '../../audit/audit.entity.js';
import { identityHead, type IdentityLinks } from '../../discovery/identity-page.js';
import type { Html } from '../../http/html.js';
import type { PageOptions } from '../../http/pages.js';
import { defineView, view } from '../../http/views.js';
import { text, type Text } from '../../i18n/locale.js';
import { PROFILE_LABELS } from '../../users/profile.js';
import { PROFILE_FIELDS, type ProfileField } from '../../users/user.entity.js';
import { TOTP_LABEL, type FactorOverview } from '../factors/second-factor.service.js';
import { deviceName } from './device-name.js';

export interface OwnerView {
  account: string;
  /** Who checks the password: local (this provider) or xmpp (the domain's XMPP server). */
  accountKind: 'local' | 'xmpp';
  /** When the vCard was last read (XMPP accounts that signed in). */
  vcardFetchedAt?: Date;
  /** `value` is the user's own; `vcard` the vCard's, released while the user's own is empty. */
  profile: { field: ProfileField; label: Text; hint?: Text | undefined; type: 'text' | 'tel'; value: string; vcard?: string; shared: boolean }[];
  /** The person's own time zone (the profile's, an IANA name), in which the page shows dates. */
  timeZone?: string | undefined;
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

/** How each event of the history is named (AUDIT_KINDS that concern an account); any other shows its kind. */
const EVENT_LABELS: Readonly<Partial<Record<AuditKind, Text>>> = {
  login_succeeded: text('account.events.login_succeeded'),
  login_failed: text('account.events.login_failed'),
  login_throttled: text('account.events.login_throttled'),
  second_factor_failed: text('account.events.second_factor_failed'),
  second_factor_throttled: text('account.events.second_factor_throttled'),
  recovery_code_used: text('account.events.recovery_code_used'),
  step_up_succeeded: text('account.events.step_up_succeeded'),
  second_factor_added: text('account.events.second_factor_added'),
  second_factor_removed: text('account.events.second_factor_removed'),
  recovery_codes_created: text('account.events.recovery_codes_created'),
  approval_requested: text('account.events.approval_requested'),
  approval_accepted: text('account.events.approval_accepted'),
  approval_denied: text('account.events.approval_denied'),
  approval_expired: text('account.events.approval_expired'),
  assertion_approved: text('account.events.assertion_approved'),
  assertion_approved_automatically: text('account.events.assertion_approved_automatically'),
  assertion_denied: text('account.events.assertion_denied'),
  trust_granted: text('account.events.trust_granted'),
  trust_revoked: text('account.events.trust_revoked'),
  logout: text('account.events.logout'),
  logout_everywhere: text('account.events.logout_everywhere'),
  session_revoked: text('account.events.session_revoked'),
  passkey_added: text('account.events.passkey_added'),
  passkey_removed: text('account.events.passkey_removed'),
  passkey_refused: text('account.events.passkey_refused'),
  passkey_counter_regression: text('account.events.passkey_counter_regression'),
};

// Small pieces shared by the owner page's sections: a date in the reader's language and time zone
// (data-local: the zone is not known yet, /assets/time-zone.js shows it in the browser's), and a
// one-button form.
defineView('when', `<time datetime="<%= it.iso %>"<% if (it.zoneUnknown) { %> data-local<% } %>><%= it.when(it.iso) %></time>`);
defineView(
  'post-button',
  `<form method="post" action="<%= it.action %>" class="inline"><input type="hidden" name="csrf" value="<%= it.csrf %>"><button type="submit"<% if (it.secondary) { %> class="secondary"<% } %>><%= it.label %></button></form>`,
);

// Dates go into the sentences that name them as markup (it.time → the `when` view), through th().
defineView(
  'owner',
  `<h1><%= it.account %></h1>
<p><%~ it.th('account.owner.identifier', { identifier: it.links.identifier }) %></p>
<p class="meta"><%= it.accountKind === 'xmpp' ? it.t('account.owner.kind_xmpp') : it.t('account.owner.kind_local') %></p>
<div class="actions"><%~ include('@post-button', { action: '/logout', csrf: it.csrf, label: it.t('account.owner.sign_out'), secondary: false }) %><%~ include('@post-button', { action: '/logout-everywhere', csrf: it.csrf, label: it.t('account.owner.sign_out_everywhere'), secondary: true }) %></div>

<section aria-labelledby="profile">
<h2 id="profile"><%= it.t('account.profile.heading') %></h2>
<p><%= it.t('account.profile.intro') %></p>
<form method="post" action="/account/profile" class="profile">
<input type="hidden" name="csrf" value="<%= it.csrf %>">
<% it.profile.forEach(function (p) { %><div class="field">
<label><%= p.label %><% if (p.hint) { %> <span class="meta">(<%= p.hint %>)</span><% } %> <input type="<%= p.type %>" name="<%= p.field %>" value="<%= p.value %>"<% if (p.vcard && !p.value) { %> placeholder="<%= p.vcard %>"<% } %>></label>
<% if (p.vcard) { %><span class="meta vcard"><%~ it.vcardFetchedAt ? it.th(p.value ? 'account.profile.own_value_read' : 'account.profile.from_vcard_read', { vcard: p.vcard, when: it.time(it.vcardFetchedAt) }) : it.th(p.value ? 'account.profile.own_value' : 'account.profile.from_vcard', { vcard: p.vcard }) %></span><% } %>
<label class="check"><input type="checkbox" name="share" value="<%= p.field %>"<% if (p.shared) { %> checked<% } %>> <%= it.t('account.profile.share') %></label>
</div><% }) %>
<div class="actions"><button type="submit"><%= it.t('account.profile.save') %></button></div>
</form>
</section>

<section aria-labelledby="factors">
<h2 id="factors"><%= it.t('account.factors.heading') %></h2>
<% var any = it.factors.apps.length + it.factors.passkeys.length > 0; %>
<% if (!any) { %><p><%= it.t('account.factors.none') %></p><% } else { %><ul class="list"><% it.factors.apps.forEach(function (f) { %><li><span><%= f.label %></span>
<span class="meta"><%~ it.th('account.factors.added', { when: it.time(f.createdAt) }) %><% if (f.lastUsedAt) { %> · <%~ it.th('account.owner.last_used', { when: it.time(f.lastUsedAt) }) %><% } %></span>
<%~ include('@post-button', { action: '/account/factors/totp/' + f.id + '/remove', csrf: it.csrf, label: it.t('account.factors.remove'), secondary: true }) %></li><% }) %><% it.factors.passkeys.forEach(function (p) { %><li class="passkey"><span><%= p.label %> <span class="meta"><%= it.t('account.factors.passkey') %></span></span>
<span class="meta"><%~ it.th('account.factors.added', { when: it.time(p.createdAt) }) %><% if (p.lastUsedAt) { %> · <%~ it.th('account.owner.last_used', { when: it.time(p.lastUsedAt) }) %><% } %></span>
<%~ include('@post-button', { action: '/account/factors/passkey/' + p.id + '/remove', csrf: it.csrf, label: it.t('account.factors.remove'), secondary: true }) %></li><% }) %></ul>
<% if (it.factors.recovery) { %><p class="meta"><%~ it.th('account.factors.recovery_left', { count: it.factors.recovery.left, total: it.factors.recovery.total, when: it.time(it.factors.recovery.createdAt) }) %></p><% } %><% } %>
<div class="actions"><%~ include('@post-button', { action: '/account/factors/totp', csrf: it.csrf, label: it.t('account.factors.add_app'), secondary: any }) %><% if (it.passkeys) { %><%~ include('@post-button', { action: '/account/factors/passkey', csrf: it.csrf, label: it.t('account.factors.add_passkey'), secondary: any }) %><% } %><% if (any) { %><%~ include('@post-button', { action: '/account/factors/recovery', csrf: it.csrf, label: it.t('account.factors.new_recovery'), secondary: true }) %><% } %></div>
</section>

<section aria-labelledby="trusted">
<h2 id="trusted"><%= it.t('account.trusted.heading') %></h2>
<% if (it.grants.length === 0) { %><p><%= it.t('account.trusted.none') %></p><% } else { %><ul class="list"><% it.grants.forEach(function (g) { %><li><span class="realm"><%= g.realm %></span>
<span class="meta"><%= g.identifier === 'private' ? (g.labels.length > 0 ? it.t('account.trusted.private_shares', { fields: g.labels.join(', ') }) : it.t('account.trusted.private')) : g.labels.length > 0 ? it.t('account.trusted.shares', { fields: g.labels.join(', ') }) : it.t('account.trusted.shares_nothing') %> · <%~ it.th('account.trusted.since', { when: it.time(g.createdAt) }) %><% if (g.lastUsedAt) { %> · <%~ it.th('account.owner.last_used', { when: it.time(g.lastUsedAt) }) %><% } %></span>
<%~ include('@post-button', { action: '/account/trust/' + g.id + '/revoke', csrf: it.csrf, label: it.t('account.trusted.revoke'), secondary: true }) %></li><% }) %></ul><% } %>
</section>

<section aria-labelledby="private">
<h2 id="private"><%= it.t('account.private.heading') %></h2>
<% if (it.privateIdentifiers.length === 0) { %><p><%= it.t('account.private.none') %></p><% } else { %><p><%= it.t('account.private.intro') %></p>
<ul class="list"><% it.privateIdentifiers.forEach(function (p) { %><li><span class="realm"><%= p.realm %></span>
<span class="meta"><%~ it.th('account.private.since', { when: it.time(p.createdAt) }) %> · <%~ it.th('account.owner.last_used', { when: it.time(p.lastUsedAt) }) %></span></li><% }) %></ul><% } %>
</section>

<% if (it.notices !== undefined) { %><section aria-labelledby="notices">
<h2 id="notices"><%= it.t('account.notices.heading') %></h2>
<p><%= it.notices ? it.t('account.notices.on') : it.t('account.notices.off') %></p>
<form method="post" action="/account/notices" class="inline"><input type="hidden" name="csrf" value="<%= it.csrf %>"><input type="hidden" name="notices" value="<%= it.notices ? 'off' : 'on' %>"><button type="submit" class="secondary"><%= it.notices ? it.t('account.notices.turn_off') : it.t('account.notices.turn_on') %></button></form>
</section>

<% } %><section aria-labelledby="sessions">
<h2 id="sessions"><%= it.t('account.sessions.heading') %></h2>
<ul class="list"><% it.sessions.forEach(function (s) { %><li><span><span title="<%= s.userAgent || '' %>"><%= s.device %></span><% if (s.id === it.currentSessionId) { %> <strong><%= it.t('account.sessions.this_browser') %></strong><% } %></span>
<span class="meta"><%= s.ip ? it.t('account.owner.from', { ip: s.ip }) : it.t('account.sessions.from_unknown') %> · <%~ it.th('account.sessions.signed_in', { when: it.time(s.createdAt) }) %> · <%~ it.th('account.sessions.last_active', { when: it.time(s.lastSeenAt) }) %><% if (s.remember) { %> · <%= it.t('account.sessions.remembered') %><% } %></span>
<% if (s.id !== it.currentSessionId) { %><%~ include('@post-button', { action: '/account/sessions/' + s.id + '/revoke', csrf: it.csrf, label: it.t('account.sessions.end'), secondary: true }) %><% } %></li><% }) %></ul>
</section>

<section aria-labelledby="history">
<h2 id="history"><%= it.t('account.history.heading') %></h2>
<% if (it.events.length === 0) { %><p><%= it.t('account.history.none') %></p><% } else { %><ul class="list"><% it.events.forEach(function (e) { %><li><span><%= it.labels[e.kind] || e.kind %><% if (e.realm) { %> · <span class="realm-inline"><%= e.realm %></span><% } %></span>
<span class="meta"><%~ include('@when', { iso: e.createdAt.toISOString() }) %><% if (e.ip) { %> · <%= it.t('account.owner.from', { ip: e.ip }) %><% } %></span></li><% }) %></ul><% } %>
</section>

<section aria-labelledby="delegate">
<h2 id="delegate"><%= it.t('account.delegate.heading') %></h2>
<p><%~ it.th('account.delegate.intro') %></p>
<pre><code><%= it.snippet %></code></pre>
</section>`,
);

/** A date shown inside a sentence: the `when` view, rendered in the locale of the page that shows it. */
function time(at: Date): Html {
  return view('when', { iso: at.toISOString() });
}

/** How a field a site gets is named: its profile label, or its name where it is not a profile field. */
function fieldLabel(field: string): Text | string {
  return (PROFILE_FIELDS as readonly string[]).includes(field) ? PROFILE_LABELS[field as ProfileField] : field;
}

/** The identity page as its owner sees it: what they trust, where they are signed in, what happened. */
export function ownerPage(data: OwnerView): PageOptions {
  const { links } = data;
  const snippet = `<link rel="openid2.provider" href="${links.endpoint}">
<link rel="openid2.local_id" href="${links.identifier}">
<link rel="openid.server" href="${links.endpoint}">
<link rel="openid.delegate" href="${links.identifier}">`;
  return {
    title: text('account.owner.title', { account: data.account }),
    head: identityHead(links),
    // Dates in the person's own time zone (their profile's), else the browser's (time-zone.js).
    timeZone: data.timeZone,
    dates: true,
    body: view('owner', {
      ...data,
      sessions: data.sessions.map((s) => ({ ...s, device: deviceName(s.userAgent) })),
      grants: data.grants.map((g) => ({ ...g, labels: g.fields.map(fieldLabel) })),
      // Every authenticator app is stored under one label (TOTP_LABEL): named in the reader's language.
      factors: { ...data.factors, apps: data.factors.apps.map((f) => ({ ...f, label: f.label === TOTP_LABEL ? text('account.factors.app') : f.label })) },
      snippet,
      labels: EVENT_LABELS,
      time,
    }),
  };
}
