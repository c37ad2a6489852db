import type { Html } from '../http/html.js';
import { defineView, view } from '../http/views.js';
import type { PageOptions } from '../http/pages.js';
import { text } from '../i18n/locale.js';

export interface IdentityLinks {
  endpoint: string;
  identifier: string;
  xrdsUrl: string;
}

defineView(
  'identity-head',
  `<link rel="openid2.provider" href="<%= it.endpoint %>">
<link rel="openid2.local_id" href="<%= it.identifier %>">
<link rel="openid.server" href="<%= it.endpoint %>">
<link rel="openid.delegate" href="<%= it.identifier %>">
<meta http-equiv="X-XRDS-Location" content="<%= it.xrdsUrl %>">`,
);

defineView(
  'identity',
  `<h1><%= it.account %></h1>
<p><%~ it.th('discovery.identity.text', { account: it.account, identifier: it.identifier }) %></p>`,
);

/** The discovery links of an identifier, for the <head> of every page served at it. */
export function identityHead(links: IdentityLinks): Html {
  return view('identity-head', links);
}

/**
 * The public page of an identifier: HTML-based discovery (OpenID 2.0 §7.3.3: openid2.provider
 * and openid2.local_id; §14.2.1: openid.server and openid.delegate for 1.x RPs) and the
 * X-XRDS-Location meta (Yadis 1.0 §6.2.5) in <head>.
 */
export function identityPage(account: string, links: IdentityLinks): PageOptions & { head: Html } {
  return { title: text('discovery.identity.title', { account }), head: identityHead(links), body: view('identity', { account, identifier: links.identifier }) };
}

defineView(
  'private-identity',
  `<h1><%= it.t('discovery.private.heading') %></h1>
<p><%~ it.th('discovery.private.text', { identifier: it.identifier }) %></p>`,
);

/**
 * The public page of a private identifier: the same discovery links as any identifier (§7.3.3,
 * §14.2.1, Yadis 1.0 §6.2.5), and nothing that names the account or links to it.
 */
export function privateIdentityPage(links: IdentityLinks): PageOptions & { head: Html } {
  return { title: text('discovery.private.title'), head: identityHead(links), body: view('private-identity', { identifier: links.identifier }) };
}

defineView(
  'provider-head',
  `<link rel="openid2.provider" href="<%= it.endpoint %>">
<meta http-equiv="X-XRDS-Location" content="<%= it.xrdsUrl %>">`,
);

defineView(
  'provider',
  `<h1><%= it.t('discovery.provider.heading', { domain: it.domain }) %></h1>
<p><%~ it.th('discovery.provider.text', { domain: it.domain, endpoint: it.endpoint, username: it.t('discovery.provider.username') }) %></p>`,
);

/** The OP identifier's page: one address that lets anyone on this domain sign in (§7.3.2.1.1). */
export function providerPage(domain: string, links: { endpoint: string; xrdsUrl: string }): PageOptions {
  return { title: text('discovery.provider.title', { domain }), head: view('provider-head', links), body: view('provider', { domain, endpoint: links.endpoint }) };
}
