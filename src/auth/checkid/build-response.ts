import type { DomainConfig } from '../../config/config.schema.js';
import { identifierUrl, opEndpointUrl } from '../../discovery/urls.js';
import { Field, Mode } from '../../protocol/consts.js';
import type { KeyValuePairs } from '../../protocol/kv-form.js';
import { appendMessageToFragment, appendMessageToUrl, buildMessageFields, exceedsRedirectLimit, toFormFields, toUrlQuery, type ExtensionFields } from '../../protocol/message-encode.js';
import { createResponseNonce } from '../../protocol/nonce.js';
import type { RandomBytes } from '../../protocol/random.js';
import type { User } from '../../users/user.entity.js';
import type { CheckidContext } from './checkid-context.js';
import type { Outcome } from './outcome.js';

/**
 * The unsigned fields of a positive assertion (OpenID 2.0 §10.1; 1.1: §14.2.2 has no ns,
 * op_endpoint, claimed_id or response_nonce). `chosen`: the identifier the person chose for an
 * identifier_select request (their private one at this realm); absent, their own.
 */
export function positiveAssertionFields(ctx: CheckidContext, user: User, now: Date, randomBytes: RandomBytes, extensions: readonly ExtensionFields[] = [], chosen?: string): KeyValuePairs {
  const { message, domain, identity, returnTo } = ctx;
  const core: [string, string][] = [[Field.mode, Mode.idRes]];
  if (message.version === '2.0') core.push([Field.opEndpoint, opEndpointUrl(domain)]);
  if (identity?.kind === 'select') {
    // §9.1 / §10.1: for identifier_select we choose the identifier: the user's own, or the
    // private one they chose; claimed_id and identity are then the same URL (it is its own
    // OP-local identifier, §7.3.2.1.2).
    const own = chosen ?? identifierUrl(domain, user.username);
    if (message.version === '2.0') core.push([Field.claimedId, own]);
    core.push([Field.identity, own]);
  } else if (identity?.kind === 'user' || identity?.kind === 'private') {
    // §10.1: claimed_id and identity as the RP sent them (claimed_id may be a URL that delegates
    // to ours; the RP verifies that by discovery, §11.2).
    if (message.version === '2.0') core.push([Field.claimedId, identity.claimedId ?? identity.identity]);
    core.push([Field.identity, identity.identity]);
  }
  if (returnTo) core.push([Field.returnTo, returnTo.value]);
  // §10.1: response_nonce, UTC time plus a unique suffix.
  if (message.version === '2.0') core.push([Field.responseNonce, createResponseNonce(now, randomBytes)]);
  // Extension fields (SReg, AX, PAPE) go in the same message, so the signature covers them too.
  return buildMessageFields({ version: message.version, core, extensions, request: message });
}

/**
 * Negative responses carry only what §10.2 lists, plus the return_to: relying-party libraries
 * (node-openid, for one) check every response's return_to against their own URL before reading
 * its mode, and an extra unsigned field is harmless (§5.2.1 receivers ignore what they do not use).
 */
function negative(ctx: CheckidContext, core: [string, string][]): KeyValuePairs {
  if (ctx.returnTo) core.push([Field.returnTo, ctx.returnTo.value]);
  return buildMessageFields({ version: ctx.message.version, core });
}

/** §10.2.2 (setup) negative assertion: the user said no. */
export function cancelFields(ctx: CheckidContext): KeyValuePairs {
  return negative(ctx, [[Field.mode, Mode.cancel]]);
}

/**
 * §10.2.1: checkid_immediate cannot be answered without the user. 2.0: setup_needed. 1.1
 * (§14.2.2): id_res with user_setup_url, the checkid_setup version of the same request.
 */
export function setupNeededFields(ctx: CheckidContext, domain: DomainConfig): KeyValuePairs {
  if (ctx.message.version === '2.0') return negative(ctx, [[Field.mode, Mode.setupNeeded]]);
  const setupPairs: [string, string][] = ctx.pairs.map(([k, v]) => [k.slice('openid.'.length), k === 'openid.mode' ? Mode.checkidSetup : v]);
  const userSetupUrl = `${opEndpointUrl(domain)}?${toUrlQuery(setupPairs)}`;
  return negative(ctx, [[Field.mode, Mode.idRes], [Field.userSetupUrl, userSetupUrl]]);
}

/**
 * Sends a response to return_to: a redirect, or for 2.0 responses over 2,047 bytes a form POST
 * (§5.2.1, §5.2.2; 1.1 RPs cannot receive POSTed responses).
 */
export function deliver(ctx: CheckidContext, fields: KeyValuePairs, approved: boolean): Outcome {
  if (!ctx.returnTo) return { kind: 'done', realm: ctx.realm?.value ?? '', approved };
  // OpenID UI Extension 1.0 §5.1: a popup request whose return_to has a "#" gets the response
  // in the fragment (a SHOULD of §5, so for popup-mode requests only).
  const inFragment = ctx.ui?.popup === true && ctx.message.version === '2.0' ? appendMessageToFragment(ctx.returnTo.value, fields) : undefined;
  const location = inFragment ?? appendMessageToUrl(ctx.returnTo.value, fields);
  if (ctx.message.version === '2.0' && exceedsRedirectLimit(location)) {
    return { kind: 'form-post', action: ctx.returnTo.value, fields: toFormFields(fields) };
  }
  return { kind: 'redirect', location };
}
