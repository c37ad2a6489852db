import { html, type Html } from '../http/html.js';
import type { ProfileField } from '../users/user.entity.js';
import type { PageOptions } from '../http/pages.js';

export interface IdentityLinks {
  endpoint: string;
  identifier: string;
  xrdsUrl: string;
}

/**
 * The public page of an identifier: HTML-based discovery (OpenID 2.0 §7.3.3: openid2.provider
 * and openid2.local_id; §14.2.1: openid.server and openid.delegate for 1.x RPs) and the
 * X-XRDS-Location meta (Yadis 1.0 §6.2.5) in <head>.
 */
export function identityPage(account: string, links: IdentityLinks): PageOptions & { head: Html } {
  const head = html`<link rel="openid2.provider" href="${links.endpoint}">
<link rel="openid2.local_id" href="${links.identifier}">
<link rel="openid.server" href="${links.endpoint}">
<link rel="openid.delegate" href="${links.identifier}">
<meta http-equiv="X-XRDS-Location" content="${links.xrdsUrl}">`;
  return {
    title: `${account} — OpenID`,
    head,
    body: html`<h1>${account}</h1>
<p>This is the OpenID identifier of <strong>${account}</strong>: <code>${links.identifier}</code>. Sites that support OpenID let its owner sign in with it.</p>`,
  };
}

/** The OP identifier's page: one address that lets anyone on this domain sign in (§7.3.2.1.1). */
export function providerPage(domain: string, links: { endpoint: string; xrdsUrl: string }): PageOptions {
  return {
    title: `${domain} — OpenID`,
    head: html`<link rel="openid2.provider" href="${links.endpoint}">
<meta http-equiv="X-XRDS-Location" content="${links.xrdsUrl}">`,
    body: html`<h1>OpenID for ${domain}</h1>
<p>Users of <strong>${domain}</strong> can sign in to sites that support OpenID by entering <code>${links.endpoint}</code> and choosing their account, or with their own identifier <code>${links.endpoint}/<em>username</em></code>.</p>`,
  };
}

export interface OwnerView {
  account: string;
  profile: { field: ProfileField; label: string; hint?: string; value: string; shared: boolean }[];
  links: IdentityLinks;
  csrf: string;
  currentSessionId: string;
  grants: { id: string; realm: string; fields: string[]; createdAt: Date; lastUsedAt: Date | null }[];
  sessions: { id: string; createdAt: Date; lastSeenAt: Date; ip: string | null; userAgent: string | null; remember: boolean }[];
  events: { kind: string; realm: string | null; ip: string | null; createdAt: Date }[];
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
};

function when(date: Date): ReturnType<typeof html> {
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function postButton(action: string, csrf: string, label: string, secondary = true): ReturnType<typeof html> {
  return html`<form method="post" action="${action}" class="inline"><input type="hidden" name="csrf" value="${csrf}"><button type="submit"${secondary ? html` class="secondary"` : ''}>${label}</button></form>`;
}

/** The identity page as its owner sees it: what they trust, where they are signed in, what happened. */
export function ownerPage(view: OwnerView): PageOptions {
  const { links, csrf } = view;
  const snippet = `<link rel="openid2.provider" href="${links.endpoint}">
<link rel="openid2.local_id" href="${links.identifier}">
<link rel="openid.server" href="${links.endpoint}">
<link rel="openid.delegate" href="${links.identifier}">`;
  return {
    title: `${view.account} — your OpenID`,
    head: identityPage(view.account, links).head,
    body: html`<h1>${view.account}</h1>
<p>Your OpenID identifier: <code>${links.identifier}</code></p>
<div class="actions">${postButton('/logout', csrf, 'Sign out', false)}${postButton('/logout-everywhere', csrf, 'Sign out everywhere')}</div>

<section aria-labelledby="profile">
<h2 id="profile">Your profile</h2>
<p>Sites may ask for these details. You decide each time; ticked ones are offered by default.</p>
<form method="post" action="/account/profile" class="profile">
<input type="hidden" name="csrf" value="${csrf}">
${view.profile.map(
  (p) => html`<div class="field">
<label>${p.label}${p.hint ? html` <span class="meta">(${p.hint})</span>` : ''} <input type="text" name="${p.field}" value="${p.value}"></label>
<label class="check"><input type="checkbox" name="share" value="${p.field}"${p.shared ? html` checked` : ''}> Share by default</label>
</div>`,
)}
<div class="actions"><button type="submit">Save profile</button></div>
</form>
</section>

<section aria-labelledby="trusted">
<h2 id="trusted">Trusted sites</h2>
${
  view.grants.length === 0
    ? html`<p>No site is always allowed. Sites you choose “Always allow” for appear here.</p>`
    : html`<ul class="list">${view.grants.map(
        (g) => html`<li><span class="realm">${g.realm}</span>
<span class="meta">${g.fields.length > 0 ? `Shares: ${g.fields.join(', ')}` : 'Shares only your identifier'} · trusted since ${when(g.createdAt)}${g.lastUsedAt ? html` · last used ${when(g.lastUsedAt)}` : ''}</span>
${postButton(`/account/trust/${g.id}/revoke`, csrf, 'Revoke')}</li>`,
      )}</ul>`
}
</section>

<section aria-labelledby="sessions">
<h2 id="sessions">Sessions</h2>
<ul class="list">${view.sessions.map(
      (s) => html`<li><span>${s.userAgent ?? 'Unknown browser'}${s.id === view.currentSessionId ? html` <strong>(this browser)</strong>` : ''}</span>
<span class="meta">from ${s.ip ?? 'unknown address'} · signed in ${when(s.createdAt)} · last active ${when(s.lastSeenAt)}${s.remember ? ' · remembered' : ''}</span>
${s.id === view.currentSessionId ? '' : postButton(`/account/sessions/${s.id}/revoke`, csrf, 'End session')}</li>`,
    )}</ul>
</section>

<section aria-labelledby="history">
<h2 id="history">Recent sign-ins</h2>
${
  view.events.length === 0
    ? html`<p>Nothing yet.</p>`
    : html`<ul class="list">${view.events.map(
        (e) => html`<li><span>${EVENT_LABELS[e.kind] ?? e.kind}${e.realm ? html` · <span class="realm-inline">${e.realm}</span>` : ''}</span>
<span class="meta">${when(e.createdAt)}${e.ip ? ` · from ${e.ip}` : ''}</span></li>`,
      )}</ul>`
}
</section>

<section aria-labelledby="delegate">
<h2 id="delegate">Use your own web address</h2>
<p>To sign in with the address of your own web site, put these lines in the <code>&lt;head&gt;</code> of its home page:</p>
<pre><code>${snippet}</code></pre>
</section>`,
  };
}
