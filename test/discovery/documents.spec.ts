import { XMLParser } from 'fast-xml-parser';
import { renderPage } from '../../src/http/pages.js';
import { NS_SREG_1_1, ServiceType } from '../../src/protocol/consts.js';
import { identityPage } from '../../src/discovery/identity-page.js';
import { identifierUrl, opEndpointUrl, opIdentifierXrdsUrl, xrdsUrl } from '../../src/discovery/urls.js';
import { identifierXrds, opIdentifierXrds, wantsXrds } from '../../src/discovery/xrds.js';
import { DEFAULT_LOCALE } from '../../src/i18n/locale.js';

// The pure parts of discovery: canonical URLs, XRDS documents (XRI Resolution 2.0 / Yadis 1.0),
// the identity page's head, and the Yadis Accept rule. Hostile values prove the escaping.

const DOMAIN = { name: 'example.org', base_url: 'https://example.org' };
const HOSTILE = `https://x.example/?a=1&b="2"&c='3'<d>`;

const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'Service' || name === 'Type' });
type Service = { Type: string[]; URI: string; LocalID?: string; 'openid:Delegate'?: string; '@_priority': string };
function parse(xml: string): { root: Record<string, unknown>; services: Service[] } {
  const doc = parser.parse(xml, true) as { 'xrds:XRDS': Record<string, unknown> & { XRD: { Service: Service[] } } };
  return { root: doc['xrds:XRDS'], services: doc['xrds:XRDS'].XRD.Service };
}

describe('discovery URLs', () => {
  it('builds every URL from base_url, the username percent-encoded', () => {
    expect(opEndpointUrl(DOMAIN)).toBe('https://example.org/openid');
    expect(identifierUrl(DOMAIN, 'romeo')).toBe('https://example.org/openid/romeo');
    expect(identifierUrl(DOMAIN, 'ñandú')).toBe('https://example.org/openid/%C3%B1and%C3%BA');
    expect(identifierUrl(DOMAIN, 'a+b%c')).toBe('https://example.org/openid/a%2Bb%25c');
    // Query forms: they cannot collide with {base}/openid/{user}, whatever the username.
    expect(xrdsUrl(DOMAIN, 'xrds')).toBe('https://example.org/openid/xrds?xrds');
    expect(opIdentifierXrdsUrl(DOMAIN)).toBe('https://example.org/openid?xrds');
  });
});

describe('XRDS documents', () => {
  it('declares the XRDS 2.0 namespaces (Yadis 1.0 §7)', () => {
    const { root } = parse(identifierXrds('https://example.org/openid', 'https://example.org/openid/romeo'));
    expect(root).toMatchObject({ '@_xmlns:xrds': 'xri://$xrds', '@_xmlns': 'xri://$xrd*($v*2.0)', '@_xmlns:openid': 'http://openid.net/xmlns/1.0' });
  });

  it('lists 2.0 signon with LocalID (§7.3.2.1.2), then 1.1 and 1.0 with openid:Delegate (§14.2.1)', () => {
    const { services } = parse(identifierXrds('https://example.org/openid', 'https://example.org/openid/romeo'));
    expect(services).toEqual([
      { '@_priority': '0', Type: [ServiceType.claimedIdentifier], URI: 'https://example.org/openid', LocalID: 'https://example.org/openid/romeo' },
      { '@_priority': '10', Type: [ServiceType.signon1_1], URI: 'https://example.org/openid', 'openid:Delegate': 'https://example.org/openid/romeo' },
      { '@_priority': '20', Type: [ServiceType.signon1_0], URI: 'https://example.org/openid', 'openid:Delegate': 'https://example.org/openid/romeo' },
    ]);
  });

  it('lists the OP identifier service alone (§7.3.2.1.1)', () => {
    expect(parse(opIdentifierXrds('https://example.org/openid')).services).toEqual([{ '@_priority': '0', Type: [ServiceType.opIdentifier], URI: 'https://example.org/openid' }]);
  });

  it('adds extension types to every service, before the OpenID type (node-openid reads the last Type)', () => {
    const { services } = parse(identifierXrds('https://example.org/openid', 'https://example.org/openid/romeo', [NS_SREG_1_1]));
    expect(services.map((s) => s.Type)).toEqual([
      [NS_SREG_1_1, ServiceType.claimedIdentifier],
      [NS_SREG_1_1, ServiceType.signon1_1],
      [NS_SREG_1_1, ServiceType.signon1_0],
    ]);
    expect(parse(opIdentifierXrds('https://example.org/openid', [NS_SREG_1_1])).services[0]!.Type).toEqual([NS_SREG_1_1, ServiceType.opIdentifier]);
  });

  it('escapes every value, so the document stays well-formed and the values round-trip', () => {
    const xml = identifierXrds(HOSTILE, `${HOSTILE}#id`, [`urn:x:<t>&`]);
    expect(xml).not.toContain('<d>');
    const { services } = parse(xml);
    expect(services[0]).toMatchObject({ URI: HOSTILE, LocalID: `${HOSTILE}#id`, Type: ['urn:x:<t>&', ServiceType.claimedIdentifier] });
    expect(services[1]!['openid:Delegate']).toBe(`${HOSTILE}#id`);
    expect(parse(opIdentifierXrds(HOSTILE)).services[0]!.URI).toBe(HOSTILE);
  });
});

describe('Yadis Accept negotiation (Yadis 1.0 §6.2.4)', () => {
  it.each([
    ['application/xrds+xml', true],
    ['text/html; q=0.3, application/xhtml+xml; q=0.5, application/xrds+xml', true],
    ['application/xrds+xml, text/html', true],
    ['APPLICATION/XRDS+XML;q=0.9, text/html;q=0.8', true],
    ['application/xrds+xml;q=0.5, text/html', false],
    ['application/xrds+xml;q=0', false],
    ['*/*', false],
    ['text/html', false],
    [undefined, false],
  ])('%s → XRDS: %s', (accept, expected) => {
    expect(wantsXrds(accept)).toBe(expected);
  });
});

describe('identity page', () => {
  const links = { endpoint: 'https://example.org/openid', identifier: 'https://example.org/openid/romeo', xrdsUrl: 'https://example.org/openid/romeo?xrds' };

  it('carries the OpenID 2.0 (§7.3.3) and 1.1 (§14.2.1) links and the X-XRDS-Location meta in <head>', () => {
    const page = renderPage(identityPage('romeo@example.org', links), { productName: 'OpenID' }, DEFAULT_LOCALE);
    const head = page.slice(page.indexOf('<head>'), page.indexOf('</head>'));
    for (const tag of [
      '<link rel="openid2.provider" href="https://example.org/openid">',
      '<link rel="openid2.local_id" href="https://example.org/openid/romeo">',
      '<link rel="openid.server" href="https://example.org/openid">',
      '<link rel="openid.delegate" href="https://example.org/openid/romeo">',
      '<meta http-equiv="X-XRDS-Location" content="https://example.org/openid/romeo?xrds">',
    ]) {
      expect(head).toContain(tag);
    }
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<title>romeo@example.org — OpenID');
    expect(page).toContain('<code>https://example.org/openid/romeo</code>');
    expect(page).not.toMatch(/<script|<style|\sstyle=/);
  });

  it('escapes every value', () => {
    const page = identityPage(`<i>"romeo"</i>@example.org`, { endpoint: HOSTILE, identifier: HOSTILE, xrdsUrl: HOSTILE });
    const escaped = 'https://x.example/?a=1&amp;b=&quot;2&quot;&amp;c=&#39;3&#39;&lt;d&gt;';
    expect(page.head.value).toContain(`<link rel="openid2.provider" href="${escaped}">`);
    expect(page.head.value).toContain(`<meta http-equiv="X-XRDS-Location" content="${escaped}">`);
    expect(page.head.value).not.toContain('<d>');
    expect(page.body.value).toContain('&lt;i&gt;&quot;romeo&quot;&lt;/i&gt;@example.org');
    expect(page.body.value).not.toContain('<i>');
  });
});
