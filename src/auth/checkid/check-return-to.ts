import { Field } from '../../protocol/consts.js';
import { InvalidRequest } from '../../protocol/errors.js';
import { parseRealm, requestedRealm } from '../../protocol/realm.js';
import { checkReturnToInRealm } from '../../protocol/realm-match.js';
import type { CheckidContext } from './checkid-context.js';

/**
 * OpenID 2.0 §9.1, §9.2: the realm (1.x: trust_root, §14.2.1) and return_to are present as the
 * version requires, well-formed, and the return_to lies inside the realm. Failures here are never
 * sent to return_to (InvalidRealm / InvalidReturnTo do not allow redirects): an open redirector
 * is exactly what this step prevents.
 */
export function checkReturnTo(ctx: CheckidContext): void {
  const returnTo = ctx.message.getArg(Field.returnTo);
  // OpenID 1.1 has no extension-only requests: return_to is required (§14.2.1).
  if (returnTo === undefined && ctx.message.version === '1.x') throw new InvalidRequest('Missing openid.return_to');
  const realm = requestedRealm(ctx.message);
  if (realm === undefined) throw new InvalidRequest('Missing openid.realm and openid.return_to');
  if (returnTo === undefined) {
    ctx.realm = parseRealm(realm);
    return;
  }
  const checked = checkReturnToInRealm(realm, returnTo);
  ctx.realm = checked.realm;
  ctx.returnTo = checked.returnTo;
}
