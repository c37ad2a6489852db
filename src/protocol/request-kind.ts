// What kind of request an incoming message is, read from its raw pairs before anything else (so
// that even a message the input step refuses is answered in the right shape).

import { Field, Mode, NS_OPENID_2_0, OPENID_PREFIX, type OpenIdVersion } from './consts.js';
import type { ErrorAnswer } from './errors.js';

/** Modes only ever sent RP → OP directly (§8 associate, §11.4.2 check_authentication). */
export const DIRECT_MODES: ReadonlySet<string> = new Set([Mode.associate, Mode.checkAuthentication]);
/** Modes sent through the browser (§9). */
export const CHECKID_MODES: ReadonlySet<string> = new Set([Mode.checkidSetup, Mode.checkidImmediate]);

export interface RequestKind {
  /** openid.mode as received (first occurrence; the parser refuses duplicates later, §4.1). */
  readonly mode: string | undefined;
  /** How an error about this request is answered, before any of it has been verified. */
  readonly answer: ErrorAnswer;
}

function first(pairs: ReadonlyArray<readonly [string, string]>, key: string): string | undefined {
  return pairs.find(([k]) => k === key)?.[1];
}

/** The version an error about these pairs is answered in, before they are parsed (§4.1.2). */
export function requestVersion(pairs: ReadonlyArray<readonly [string, string]>): OpenIdVersion {
  return first(pairs, OPENID_PREFIX + Field.ns) === NS_OPENID_2_0 ? '2.0' : '1.x';
}

/**
 * Direct or indirect (OpenID 2.0 §5.1 vs §5.2), and which version answers:
 *   - associate and check_authentication are direct, whatever the method: an RP library sent
 *     them and reads a key-value body, never a page (§5.1.2.2; a GET is refused, §5.1.1);
 *   - checkid_setup / checkid_immediate are indirect, also when POSTed (§5.2.1 form redirection);
 *   - a POST with no mode, or one we do not serve, and no return_to has no browser behind it to
 *     show a page to nor an address to send openid.mode=error to: it is answered as a direct
 *     request (§5.1.2.2). With a return_to it may be a browser's form post: indirect.
 * Version: openid.ns of 2.0, otherwise 1.x compatibility (§4.1.2, §14.2.1).
 */
export function classifyRequest(method: string, pairs: ReadonlyArray<readonly [string, string]>): RequestKind {
  const mode = first(pairs, OPENID_PREFIX + Field.mode);
  const version = requestVersion(pairs);
  let direct: boolean;
  if (mode !== undefined && DIRECT_MODES.has(mode)) direct = true;
  else if (mode !== undefined && CHECKID_MODES.has(mode)) direct = false;
  else direct = method === 'POST' && first(pairs, OPENID_PREFIX + Field.returnTo) === undefined;
  return { mode, answer: { direct, version } };
}
