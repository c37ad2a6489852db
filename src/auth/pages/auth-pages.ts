import { html } from '../../http/html.js';
import type { PageOptions } from '../../http/pages.js';
import type { RealmFlags } from '../../realm/realm-policy.service.js';
import type { ReturnToCheck } from '../checkid/checkid-context.js';

// The login, consent and "done" pages, and the form that carries a long response. Field names
// and decision values are the public contract of DESIGN.md.

export interface LoginView {
  csrf: string;
  /** Origin of the pending request's return_to: a login can end with a redirect there. */
  returnToOrigin?: string;
  requestId?: string;
  domain: string;
  username?: string;
  /** Realm being signed in to, when there is a pending request. */
  realm?: string;
  error?: string;
}

export function loginPage(view: LoginView): PageOptions {
  return {
    title: `Sign in — ${view.domain}`,
    formTargets: view.returnToOrigin ? [view.returnToOrigin] : [],
    body: html`<h1>Sign in with your ${view.domain} account</h1>
${view.realm ? html`<p>to continue to <span class="realm">${view.realm}</span></p>` : ''}
${view.error ? html`<p class="notice error" role="alert">${view.error}</p>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="${view.csrf}">
  ${view.requestId ? html`<input type="hidden" name="request" value="${view.requestId}">` : ''}
  <label>Username <input type="text" name="username" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <label class="check"><input type="checkbox" name="remember" value="1"> Keep me signed in on this device</label>
  <div class="actions"><button type="submit">Sign in</button></div>
</form>`,
  };
}

export interface ConsentView {
  csrf: string;
  requestId: string;
  realm: string;
  flags: RealmFlags;
  returnToCheck: ReturnToCheck | undefined;
  identifier: string;
  account: string;
  returnToOrigin?: string;
  /** Fields the RP asked for, with the values that would be sent. */
  attributes: { field: string; label: string; value: string | undefined; required: boolean; checked: boolean }[];
  policyUrl?: string;
}

export function consentPage(view: ConsentView): PageOptions {
  // An internationalised host is shown as people read it and as DNS knows it: a homograph
  // (Cyrillic "а" for Latin "a") shows up in the punycode.
  const { unicodeHost, asciiHost } = view.flags;
  const unverified = view.returnToCheck && view.returnToCheck.status !== 'verified' && view.returnToCheck.status !== 'skipped';
  return {
    title: 'Sign in to a site?',
    formTargets: view.returnToOrigin ? [view.returnToOrigin] : [],
    body: html`<h1>Sign in to this site?</h1>
<p class="realm">${view.realm}</p>
${unicodeHost !== asciiHost ? html`<p class="meta">Internationalised address: ${unicodeHost} (${asciiHost})</p>` : ''}
${view.flags.isHttp ? html`<p class="notice warning">This site does not use HTTPS: what it receives could be read or changed on the way.</p>` : ''}
${unverified ? html`<p class="notice warning">The site did not confirm the address it asked us to send you back to. Continue only if you started this sign-in yourself.</p>` : ''}
<p>The site will learn that you are <strong>${view.identifier}</strong> (signed in as ${view.account}).</p>
<form method="post" action="/consent">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <input type="hidden" name="request" value="${view.requestId}">
  ${
    view.attributes.length === 0
      ? ''
      : html`<fieldset>
    <legend>The site also asks for</legend>
    ${view.attributes.map(
      (a) => html`<label class="check"><input type="checkbox" name="release" value="${a.field}"${a.checked ? html` checked` : ''}${a.value === undefined ? html` disabled` : ''}>
      <span>${a.label}${a.required ? html` <strong>(required by the site)</strong>` : ''}: ${a.value === undefined ? html`<span class="meta">not in your profile</span>` : html`<span class="value">${a.value}</span>`}</span></label>`,
    )}
    ${view.policyUrl ? html`<p class="meta">How the site uses them: <a href="${view.policyUrl}" rel="noopener noreferrer">${view.policyUrl}</a></p>` : ''}
  </fieldset>`
  }
  <div class="actions">
    <button type="submit" name="decision" value="allow_once">Allow once</button>
    <button type="submit" name="decision" value="allow_always">Always allow</button>
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
  </div>
</form>`,
  };
}

export function donePage(realm: string, approved: boolean): PageOptions {
  return {
    title: approved ? 'Signed in' : 'Sign-in refused',
    body: html`<h1>${approved ? 'Done' : 'Sign-in refused'}</h1>
<p>${approved ? html`You are signed in at <span class="realm">${realm}</span>. The site asked not to be sent back to; you can close this page.` : html`<span class="realm">${realm}</span> was told that you declined.`}</p>`,
  };
}

/** OpenID 2.0 §5.2.2: the response as a form POSTed to return_to, by script or by the button. */
export function formPostPage(action: string, fields: { name: string; value: string }[]): PageOptions {
  return {
    title: 'Returning to the site',
    formTargets: [new URL(action).origin],
    script: true,
    body: html`<h1>Returning to the site…</h1>
<form id="openid-response" method="post" action="${action}">
  ${fields.map((f) => html`<input type="hidden" name="${f.name}" value="${f.value}">`)}
  <div class="actions"><button type="submit">Continue</button></div>
</form>`,
  };
}
