import { acceptQuality } from '../http/accept.js';
import { ServiceType } from '../protocol/consts.js';

// XRDS documents (XRI Resolution 2.0, Yadis 1.0) for OpenID discovery (OpenID 2.0 §7.3.2).

function xml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function document(services: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)" xmlns:openid="http://openid.net/xmlns/1.0">
  <XRD>
${services}  </XRD>
</xrds:XRDS>
`;
}

/**
 * A claimed identifier's services: OpenID 2.0 signon with LocalID (§7.3.2.1.2), then 1.1 and 1.0
 * with openid:Delegate (§14.2.1 / OpenID 1.1 Yadis), each in a Service of its own: some RP
 * libraries (node-openid) attach a Delegate to only one Type of a multi-Type Service, the last
 * one. `extraTypes` are extension Type URIs the provider supports (added to every service,
 * before the OpenID Type for that same reason; the order of Types carries no meaning, XRI 2.0).
 */
export function identifierXrds(endpoint: string, identifier: string, extraTypes: readonly string[] = []): string {
  const extras = extraTypes.map((t) => `      <Type>${xml(t)}</Type>\n`).join('');
  return document(`    <Service priority="0">
${extras}      <Type>${ServiceType.claimedIdentifier}</Type>
      <URI>${xml(endpoint)}</URI>
      <LocalID>${xml(identifier)}</LocalID>
    </Service>
    <Service priority="10">
${extras}      <Type>${ServiceType.signon1_1}</Type>
      <URI>${xml(endpoint)}</URI>
      <openid:Delegate>${xml(identifier)}</openid:Delegate>
    </Service>
    <Service priority="20">
${extras}      <Type>${ServiceType.signon1_0}</Type>
      <URI>${xml(endpoint)}</URI>
      <openid:Delegate>${xml(identifier)}</openid:Delegate>
    </Service>
`);
}

/** The OP identifier's service (§7.3.2.1.1): the RP then sends identifier_select. */
export function opIdentifierXrds(endpoint: string, extraTypes: readonly string[] = []): string {
  const extras = extraTypes.map((t) => `      <Type>${xml(t)}</Type>\n`).join('');
  return document(`    <Service priority="0">
${extras}      <Type>${ServiceType.opIdentifier}</Type>
      <URI>${xml(endpoint)}</URI>
    </Service>
`);
}

/**
 * Yadis 1.0 §6.2.4: an RP asking for the XRDS says Accept: application/xrds+xml. It wins when
 * ranked at least as high as HTML (a bare *\/* does not ask for it).
 */
export function wantsXrds(accept: string | undefined): boolean {
  const xrds = acceptQuality(accept, ['application/xrds+xml']);
  return xrds > 0 && xrds >= acceptQuality(accept, ['text/html', 'application/xhtml+xml']);
}
