import { Field, Mode, type OpenIdVersion } from '../protocol/consts.js';
import type { OpenIdError } from '../protocol/errors.js';
import { appendMessageToUrl, buildMessageFields, toKeyValue } from '../protocol/message-encode.js';

function errorFields(error: OpenIdError): [string, string][] {
  // OpenID 2.0 §5.1.2.2 / §5.2.3: error (a message the RP may show), optional error_code, and
  // extras such as the assoc_type/session_type pair of §8.2.4. Key-value values cannot hold '\n'.
  const core: [string, string][] = [[Field.error, error.message.replace(/\n/g, ' ')]];
  if (error.errorCode) core.push([Field.errorCode, error.errorCode]);
  for (const [k, v] of Object.entries(error.extra)) core.push([k, v]);
  return core;
}

/** OpenID 2.0 §5.1.2.2: the key-value body of a direct error response (ns only in 2.0, §14.2.1). */
export function encodeDirectError(error: OpenIdError, version: OpenIdVersion): string {
  return toKeyValue(buildMessageFields({ version, core: errorFields(error) }));
}

/** OpenID 2.0 §5.1.2.2: a direct error response about a request that was never read as a message (version 2.0, no error_code). */
export function encodeDirectErrorMessage(message: string): string {
  return toKeyValue(buildMessageFields({ version: '2.0', core: [[Field.error, message.replace(/\n/g, ' ')]] }));
}

/** OpenID 2.0 §5.2.3: openid.mode=error appended to the verified return_to, its query preserved. */
export function indirectErrorLocation(returnTo: string, error: OpenIdError, version: OpenIdVersion): string {
  return appendMessageToUrl(returnTo, buildMessageFields({ version, core: [[Field.mode, Mode.error], ...errorFields(error)] }));
}
