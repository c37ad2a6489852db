// The protocol's error vocabulary. One class per failure, named after what went wrong, carrying
// the value that travels on the wire (`openid.error`, optional `openid.error_code`), the HTTP
// status for direct responses, a public message safe to show anyone, and a stable `code` for
// logs and tests. The global exception filter turns these into direct (key-value, HTTP 400) or
// indirect (`openid.mode=error` to return_to) responses; nothing else in the code base formats
// an OpenID error.

import type { OpenIdVersion } from './consts.js';

/**
 * How an error about one OpenID request travels back, decided by the flow that knows the request
 * (the error responder only reads it):
 *   - direct (associate, check_authentication, and POSTs that are not indirect): HTTP 400 with a
 *     key-value body (OpenID 2.0 §5.1.2.2);
 *   - indirect with a verified return_to: openid.mode=error to that URL (§5.2.3);
 *   - indirect otherwise: a page for the person in the browser, never a redirect.
 */
export interface ErrorAnswer {
  readonly direct: boolean;
  /** 1.x errors carry no openid.ns (§14.2.1). */
  readonly version: OpenIdVersion;
  /** A return_to that passed realm verification (§9.2): only then may an error go there. */
  readonly verifiedReturnTo?: string;
  /**
   * OpenID UI Extension 1.0 §5: the request came in a popup window (openid.ui.mode=popup), so an
   * error page for it is laid out for one, with a way to close the window.
   */
  readonly popup?: boolean;
}

export interface OpenIdErrorOptions {
  /** Internal detail for logs; never sent to the peer. */
  detail?: string;
  cause?: unknown;
  /** Extra key-value fields for a direct error response (e.g. assoc_type/session_type, §8.2.4). */
  extra?: Readonly<Record<string, string>>;
}

export abstract class OpenIdError extends Error {
  /** Stable identifier for logs, metrics and tests (snake_case). */
  abstract readonly code: string;
  /** `openid.error_code` (OpenID 2.0 §5.1.2.2, §8.2.4), when the spec names one. */
  readonly errorCode?: string;
  /** HTTP status of a direct error response: 400 per OpenID 2.0 §5.1.2.2. */
  readonly status: number = 400;
  /**
   * Whether the error may be reported to the RP's return_to as an indirect error (§5.2.3).
   * False when the very thing that failed is the return_to or its realm: redirecting there would
   * make the OP an open redirector.
   */
  readonly allowRedirect: boolean = true;
  readonly detail?: string;
  readonly extra: Readonly<Record<string, string>>;
  /** HTTP headers to send with the error response (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>> = {};
  /** How to answer it; set once, by the innermost flow step that knows (see answeredAs). */
  answer?: ErrorAnswer;

  constructor(publicMessage: string, options: OpenIdErrorOptions = {}) {
    super(publicMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.detail = options.detail;
    this.extra = options.extra ?? {};
  }
}

/**
 * Tags an OpenID error with how to answer it, unless a step nearer the failure already did (that
 * step knew more, e.g. that the return_to had been verified). Other errors pass through untouched.
 */
export function answeredAs(error: unknown, answer: ErrorAnswer): unknown {
  if (error instanceof OpenIdError && error.answer === undefined) error.answer = { ...answer };
  return error;
}

/** Runs one step of a request's flow; an OpenID error it throws is answered as `answer` says then. */
export async function answering<T>(answer: ErrorAnswer, step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw answeredAs(error, answer);
  }
}

/** A message that is not a valid OpenID message (bad encoding, duplicated or missing fields). */
export class InvalidRequest extends OpenIdError {
  readonly code: string = 'invalid_request';
}

/** A message over the size, field-count or length limits of the input step (input-limits.ts). */
export class MessageTooLarge extends InvalidRequest {
  override readonly code = 'message_too_large';
}

/** A key or value holding control characters (input-limits.ts). */
export class ForbiddenCharacter extends InvalidRequest {
  override readonly code = 'forbidden_character';
}

/** openid.mode absent or not one this OP serves. */
export class UnsupportedMode extends OpenIdError {
  readonly code = 'unsupported_mode';
}

/** §8.2.4: the requested association or session type is refused; `extra` names a supported pair. */
export class UnsupportedAssociationType extends OpenIdError {
  readonly code = 'unsupported_type';
  override readonly errorCode = 'unsupported-type';
}

/** return_to missing, malformed, or outside the realm (§9.2): never redirect there. */
export class InvalidReturnTo extends OpenIdError {
  readonly code = 'invalid_return_to';
  override readonly allowRedirect = false;
}

/** Realm (trust_root) malformed, refused by policy, or over-broad (§9.2, §15). */
export class InvalidRealm extends OpenIdError {
  readonly code = 'invalid_realm';
  override readonly allowRedirect = false;
}

/**
 * Too many associate requests from one client (our policy: associate is a public-key operation
 * anyone may ask for, and an honest RP associates once per association lifetime). A direct error
 * (§5.1.2.2, HTTP 400 as the spec says), with error_code rate_limited and Retry-After.
 */
export class AssociateRateLimited extends OpenIdError {
  readonly code = 'rate_limited';
  override readonly errorCode = 'rate_limited';
  override readonly headers: Readonly<Record<string, string>>;

  constructor(retryAfterSeconds: number) {
    super('Too many association requests from this address: try again later');
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

/**
 * Too many check_authentication requests from one client (our policy, as for associate: each
 * costs a signature check and a nonce write, and a stateless RP asks once per sign-in). A direct
 * error (§5.1.2.2), with error_code rate_limited and Retry-After.
 */
export class CheckAuthenticationRateLimited extends OpenIdError {
  readonly code = 'rate_limited';
  override readonly errorCode = 'rate_limited';
  override readonly headers: Readonly<Record<string, string>>;

  constructor(retryAfterSeconds: number) {
    super('Too many check_authentication requests from this address: try again later');
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}
