import { inEnglish, type Text } from '../i18n/locale.js';

// Errors of the application that are not OpenID protocol errors: they answer as RFC 9457
// application/problem+json (or an HTML page for browsers), with a stable `code`. Their title and
// detail are catalogue texts (text('errors.<code>.title')), shown in the reader's language; the
// Error's own message (what logs and the CLI print) is the detail in English.

export interface AppErrorOptions {
  /** Internal detail for logs; never sent. */
  detail?: string;
  cause?: unknown;
  /** Response headers to add (e.g. Retry-After, Location). */
  headers?: Readonly<Record<string, string>>;
  /** RFC 9457 §3.2 extension members of the problem document (safe to show anyone). */
  members?: Readonly<Record<string, unknown>>;
  /**
   * A refusal of a request body that never became an OpenID message: at the OP endpoint, an RP
   * (not a browser) gets it as an OpenID direct error (src/http/error-responder.ts).
   */
  unreadMessage?: boolean;
}

export class AppError extends Error {
  readonly detail?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly members: Readonly<Record<string, unknown>>;
  readonly unreadMessage: boolean;

  constructor(
    /** Stable snake_case identifier, also the last segment of the problem `type`. */
    readonly code: string,
    readonly status: number,
    /** Short, human, safe to show anyone. */
    readonly title: string | Text,
    /** Longer explanation safe to show anyone. */
    readonly publicDetail: string | Text,
    options: AppErrorOptions = {},
  ) {
    super(inEnglish(publicDetail), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.members = options.members ?? {};
    this.unreadMessage = options.unreadMessage ?? false;
  }
}

export class NotFound extends AppError {
  constructor(code: string, title: string | Text, publicDetail: string | Text) {
    super(code, 404, title, publicDetail);
  }
}

export class BadRequest extends AppError {
  constructor(code: string, title: string | Text, publicDetail: string | Text, options?: AppErrorOptions) {
    super(code, 400, title, publicDetail, options);
  }
}

export class Conflict extends AppError {
  constructor(code: string, title: string | Text, publicDetail: string | Text) {
    super(code, 409, title, publicDetail);
  }
}
