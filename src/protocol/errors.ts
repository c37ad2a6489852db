// The protocol's error vocabulary. One class per failure, named after what went wrong, carrying
// the value that travels on the wire (`openid.error`, optional `openid.error_code`), the HTTP
// status for direct responses, a public message safe to show anyone, and a stable `code` for
// logs and tests. The global exception filter turns these into direct (key-value, HTTP 400) or
// indirect (`openid.mode=error` to return_to) responses; nothing else in the code base formats
// an OpenID error.

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

  constructor(publicMessage: string, options: OpenIdErrorOptions = {}) {
    super(publicMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.detail = options.detail;
    this.extra = options.extra ?? {};
  }
}

/** A message that is not a valid OpenID message (bad encoding, duplicated or missing fields). */
export class InvalidRequest extends OpenIdError {
  readonly code: string = 'invalid_request';
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
