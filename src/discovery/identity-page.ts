import { html } from '../http/html.js';
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
export function identityPage(account: string, links: IdentityLinks): PageOptions {
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
