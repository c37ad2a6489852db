import type { OpenIdError } from '../protocol/errors.js';

// Placeholder-free minimal encoders for OpenID error responses; the protocol core's message codec
// takes over once it lands (issue 3).
const NS_2_0 = 'http://specs.openid.net/auth/2.0';

function fields(error: OpenIdError, version: '2.0' | '1.x'): [string, string][] {
  const out: [string, string][] = [];
  // OpenID 2.0 §5.1.2.2 / §5.2.3: ns (2.0 only, §14.2.1), error, optional error_code, extras.
  if (version === '2.0') out.push(['ns', NS_2_0]);
  out.push(['error', error.message.replace(/\n/g, ' ')]);
  if (error.errorCode) out.push(['error_code', error.errorCode]);
  for (const [k, v] of Object.entries(error.extra)) out.push([k, v]);
  return out;
}

/** OpenID 2.0 §4.1.1 key-value form of a direct error response. */
export function encodeOpenIdError(error: OpenIdError, version: '2.0' | '1.x', _form: 'kv'): string {
  return fields(error, version)
    .map(([k, v]) => `${k}:${v}\n`)
    .join('');
}

/** OpenID 2.0 §5.2.3: openid.mode=error appended to return_to, its own query preserved. */
export function indirectErrorLocation(returnTo: string, error: OpenIdError, version: '2.0' | '1.x'): string {
  const url = new URL(returnTo);
  const all: [string, string][] = [['mode', 'error'], ...fields(error, version)];
  for (const [k, v] of all) url.searchParams.append(`openid.${k}`, v);
  return url.toString();
}
