// The extension part of a positive assertion: SReg, AX and PAPE fields for what the user agreed to
// release. Everything returned here is added to the id_res message and signed with it (SReg 1.0 §4:
// "The response's openid.signed field list MUST include the returned registration field names"),
// so only requested and released values ever appear, each in the format its specification gives.
//
// Fields are relative to the extension alias; buildMessageFields (src/protocol/message-encode.ts)
// puts them under the RP's own alias for the namespace (and leaves the OpenID 1.x `sreg` alias
// undeclared), which is where relying-party libraries look first.

import { NS_AX_1_0, NS_PAPE_1_0 } from '../protocol/consts.js';
import type { ExtensionFields } from '../protocol/message-encode.js';
import type { NameParts, ProfileField } from '../users/user.entity.js';
import { PAPE_POLICY_NONE, type AttributeRequest, type AxRequest, type SregRequest } from './attribute-request.js';
import { SREG_ATTRIBUTE_FIELDS, axValue, sregValue } from './attributes.js';

/** Values the user agreed to send, per field (raw profile values; formatted here). */
export type ReleasedValues = Partial<Record<ProfileField, string>> & { nameParts?: NameParts };

/** How the user authenticated, for PAPE (PAPE 1.0 §5.2). */
export interface PapeFacts {
  /** The user's most recent active authentication. */
  readonly authTime: Date;
  /** Policy URIs that were satisfied (empty: none, PAPE 1.0 §5.2). */
  readonly policies: readonly string[];
}

/** AX 1.0 §6.2.2: the error shown to the user when we refuse a store request. */
export const AX_STORE_REFUSED = 'This OpenID provider does not store attributes sent by websites';

/**
 * The SReg, AX and PAPE response fields for a request (each only if the RP used that extension,
 * and SReg only when at least one field is released). `released` is what the user agreed to; a
 * field neither requested nor released is never sent.
 */
export function buildAttributeResponse(request: AttributeRequest, released: ReleasedValues, pape: PapeFacts): ExtensionFields[] {
  const out: ExtensionFields[] = [];
  if (request.sreg) {
    const fields = sregResponseFields(request.sreg, released);
    // SReg 1.1 §4: "The Consumer MUST be prepared to handle a response which lacks fields"; with
    // nothing released there is nothing to declare.
    if (fields.length > 0) out.push({ uri: request.sreg.namespace, fields, preferredAlias: 'sreg' });
  }
  if (request.ax) out.push({ uri: NS_AX_1_0, fields: axResponseFields(request.ax, released), preferredAlias: 'ax' });
  if (request.pape) out.push({ uri: NS_PAPE_1_0, fields: papeResponseFields(pape), preferredAlias: 'pape' });
  return out;
}

/**
 * SReg 1.0/1.1 §4: requested and released fields only ("all included fields MUST be taken from
 * the set of fields defined in this specification", none repeated), in the §4 formats, in the
 * specification's field order: never the phone number, whatever is released. The namespace is
 * the request's (1.1 or 1.0): the RP reads the dialect it asked in.
 */
function sregResponseFields(sreg: SregRequest, released: ReleasedValues): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const field of SREG_ATTRIBUTE_FIELDS) {
    if (!sreg.required.includes(field) && !sreg.optional.includes(field)) continue;
    const value = sregValue(field, released[field]);
    if (value !== undefined) fields.push([field, value]);
  }
  return fields;
}

/**
 * AX 1.0 §5.2 fetch_response (§6.2.2 store_response_failure for a store request), with the RP's
 * attribute aliases:
 *   - a released value: `type.<alias>` and `value.<alias>`; or, when the RP asked with
 *     `count.<alias>`, `count.<alias>=1` and `value.<alias>.1` (§5.2: the numbered form "MUST be
 *     used if openid.ax.count.<alias> is sent"). Mirroring the request matters: RP libraries hand
 *     a numbered value to the application as a list (node-openid's fillResult), a plain one as a
 *     string. We hold one value per attribute, within any requested count (§5.1: the OP "MUST NOT
 *     return more than the number of requested values").
 *   - nothing to send (not released, no value, or a type we do not serve): with a requested
 *     count, `type.<alias>` and `count.<alias>=0` (§5.2 "MAY be included to explicitly state that
 *     no values are provided"); otherwise nothing at all, since §5.2 says the value "SHOULD NOT be
 *     included" and a type without value or count breaks readers that expect one of them
 *     (python-openid's AXKeyValueMessage.parseExtensionArgs).
 *   - update_url is not echoed: we do not send attribute updates, and §5.2 makes the echo the
 *     OP's promise to do so.
 */
function axResponseFields(ax: AxRequest, released: ReleasedValues): Array<[string, string]> {
  if (ax.mode === 'store_request') {
    // AX 1.0 §6.2.2: storage failure, with an optional error "intended to be presented to the user".
    return [
      ['mode', 'store_response_failure'],
      ['error', AX_STORE_REFUSED],
    ];
  }
  const fields: Array<[string, string]> = [['mode', 'fetch_response']];
  for (const { alias, typeUri, field, count } of ax.attributes) {
    const value = field === undefined ? undefined : axValue(typeUri, released[field], released.nameParts);
    if (value !== undefined) {
      // AX 1.0 §5.2: "any attribute value present ... MUST have an associated openid.ax.type.<alias>".
      fields.push([`type.${alias}`, typeUri]);
      if (count === undefined) fields.push([`value.${alias}`, value]);
      else fields.push([`count.${alias}`, '1'], [`value.${alias}.1`, value]);
    } else if (count !== undefined) {
      fields.push([`type.${alias}`, typeUri], [`count.${alias}`, '0']);
    }
  }
  return fields;
}

/**
 * PAPE 1.0 §5.2: auth_policies ("If no policies were met though the OP wishes to convey other
 * information in the response, this parameter MUST be included with the value of
 * http://schemas.openid.net/pape/policies/2007/06/none") and auth_time (MUST when the RP sent
 * max_auth_age, MAY otherwise; we always know it, so always send it). No auth levels: we do not
 * claim a NIST level (nist_auth_level / auth_level.nist are left out).
 */
function papeResponseFields(pape: PapeFacts): Array<[string, string]> {
  const policies: string[] = [];
  for (const uri of pape.policies) {
    // Space-separated on the wire: a URI with whitespace would read as two.
    if (uri !== '' && uri !== PAPE_POLICY_NONE && !/\s/.test(uri) && !policies.includes(uri)) policies.push(uri);
  }
  return [
    ['auth_policies', policies.length > 0 ? policies.join(' ') : PAPE_POLICY_NONE],
    ['auth_time', papeTimestamp(pape.authTime)],
  ];
}

/**
 * PAPE 1.0 §5.2 auth_time: RFC 3339 §5.6 "with the following restrictions: All times must be in
 * the UTC timezone, indicated with a Z. No fractional seconds are allowed", e.g.
 * 2005-05-15T17:11:51Z. Rounded down: never claim a later authentication than happened.
 */
export function papeTimestamp(time: Date): string {
  const ms = time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('papeTimestamp: invalid date');
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
