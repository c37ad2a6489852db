import { AppError } from '../http/app-error.js';
import { text } from '../i18n/locale.js';

// What can go wrong talking to an XMPP server, in two kinds: the server said no to the user's
// credentials (a login failure, mapped from the SASL condition), or we could not get a verdict at
// all (XmppUnavailable: a 503, "try again", never "wrong password", and never counted against
// the user's login throttle).

export type XmppUnavailableReason =
  | 'connection_refused'
  | 'dns'
  | 'timeout'
  | 'tls'
  | 'starttls_unavailable'
  | 'no_plain_mechanism'
  | 'stream_error'
  | 'sasl_failure'
  | 'connection_lost'
  | 'too_much_data'
  | 'protocol'
  | 'ca_file'
  | 'not_configured';

/**
 * The XMPP server could not be asked, or did not answer in time. `message` and `publicDetail`
 * are safe to show anyone; `detail` (logs only) names the low-level cause, never a credential.
 */
export class XmppUnavailable extends AppError {
  constructor(
    readonly reason: XmppUnavailableReason,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'xmpp_unavailable',
      503,
      text('errors.xmpp_unavailable.title'),
      text('errors.xmpp_unavailable.detail'),
      // RFC 9110 §10.2.3: a 503 may say when to come back.
      { detail: `${reason}: ${detail}`, cause: options.cause, headers: { 'Retry-After': '30' } },
    );
    this.name = 'XmppUnavailable';
  }
}

/** The verdict of a SASL failure (RFC 6120 §6.5), as the login flow needs it. */
export type SaslVerdict = 'invalid' | 'disabled' | 'unavailable';

/**
 * RFC 6120 §6.5 SASL error conditions → what the user is told.
 *
 * - not-authorized (§6.5.10): wrong password *or* unknown account; the server does not say
 *   which, and neither do we.
 * - account-disabled (§6.5.1).
 * - credentials-expired (§6.5.2): the password was right but may not be used any more; for the
 *   login page it is a refusal like a wrong password (changing it happens in the chat app).
 * - malformed-request (§6.5.7): our PLAIN encoding is fixed, so in practice the server refused
 *   the user's input (Prosody answers it when SASLprep or nodeprep rejects the username or
 *   password): the credentials were not valid, not the service.
 * - temporary-auth-failure (§6.5.11), aborted, encryption-required, incorrect-encoding,
 *   invalid-authzid, invalid-mechanism, mechanism-too-weak and anything unknown: a problem on
 *   our or the server's side, not the user's: unavailable.
 */
export function saslVerdict(condition: string | undefined): SaslVerdict {
  switch (condition) {
    case 'not-authorized':
    case 'credentials-expired':
    case 'malformed-request':
      return 'invalid';
    case 'account-disabled':
      return 'disabled';
    default:
      return 'unavailable';
  }
}

/** Node error codes of TLS handshake and certificate failures (node:tls, OpenSSL). */
const TLS_CODES = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|HOSTNAME_|ERR_OSSL_)/;

/** Classifies a low-level socket error into an unavailability reason (for logs and metrics). */
export function networkReason(error: unknown): XmppUnavailableReason {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NODATA') return 'dns';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (TLS_CODES.test(code) || /\b(?:certificate|SSL|TLS)\b/i.test(String((error as Error)?.message ?? ''))) return 'tls';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'connection_lost';
  return 'protocol';
}

/** An IQ answered with type=error (RFC 6120 §8.3): the condition, e.g. item-not-found. */
export class XmppStanzaError extends Error {
  constructor(
    readonly condition: string,
    readonly errorType: string | undefined,
  ) {
    super(`XMPP stanza error: ${condition}`);
    this.name = 'XmppStanzaError';
  }
}
