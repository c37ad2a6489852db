import { type ArgumentMetadata, ValidationPipe, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import { AppError } from './app-error.js';

// Every form, body and query the service accepts is a class-validator DTO (`*.dto.ts` next to its
// controller), checked by one global ValidationPipe (registered with APP_PIPE in AppModule, so the
// tests boot the same pipe as production). The OpenID endpoint is the exception: openid.* messages
// go through their own input step and parser (src/protocol/input-limits.ts, message.ts).

/** One offending field: its name and why, never the value that was sent. */
export interface InvalidField {
  readonly name: string;
  /** Which rule failed (class-validator's constraint name, or `missing` / `repeated`). */
  readonly rule: string;
  readonly reason: string;
}

/** At most this many fields are described (a body of a thousand unknown fields gets ten lines). */
const MAX_LISTED = 10;
/** Unknown field names are the client's text: shown shortened. */
const MAX_NAME = 64;

/**
 * A request whose form, query or path parameters the DTO refuses. The problem document lists the
 * offending fields (RFC 9457 §3.2 extension member `errors`, in the shape of its §3 example);
 * browsers get the error page with the same sentence, and people's forms may answer their page
 * again instead (see the login form).
 */
export class InvalidInput extends AppError {
  constructor(readonly fields: readonly InvalidField[]) {
    const listed = fields.slice(0, MAX_LISTED);
    super('validation_failed', 400, 'Invalid input', `The request could not be read: ${listed.map((f) => `${f.name} ${f.reason}`).join('; ')}.`, {
      members: { errors: listed.map((f) => ({ pointer: `#/${f.name}`, detail: f.reason })) },
    });
  }

  /** Whether `field` failed the given rule (or any rule). */
  has(field: string, rule?: string): boolean {
    return this.fields.some((f) => f.name === field && (rule === undefined || f.rule === rule));
  }
}

function describe(error: ValidationError, path: string, out: InvalidField[]): void {
  const name = (path ? `${path}.${error.property}` : error.property).slice(0, MAX_NAME);
  const constraints = Object.entries(error.constraints ?? {});
  if (constraints.length > 0) {
    // The value is only looked at to tell "absent" and "repeated" from the rest (a repeated
    // single field arrives as an array from the form parser, and every single field is
    // @IsString); it is never part of the answer.
    const value: unknown = error.value;
    if (value === undefined && !('whitelistValidation' in (error.constraints ?? {}))) {
      out.push({ name, rule: 'missing', reason: 'is missing' });
    } else if (Array.isArray(value) && 'isString' in (error.constraints ?? {})) {
      out.push({ name, rule: 'repeated', reason: 'was sent more than once' });
    } else {
      const [rule, message] = constraints[0]!;
      out.push({ name, rule, reason: rule === 'whitelistValidation' ? 'is not a field of this form' : withoutSubject(message, error.property) });
    }
  }
  for (const child of error.children ?? []) describe(child, name, out);
}

/** class-validator's messages start with the property name ("username must be ..."). */
function withoutSubject(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

export function invalidInput(errors: ValidationError[]): InvalidInput {
  const fields: InvalidField[] = [];
  for (const error of errors) describe(error, '', fields);
  return new InvalidInput(fields);
}

/**
 * The global pipe: unknown fields of a form or body are refused rather than dropped (whitelist +
 * forbidNonWhitelisted: a form that carries something we do not expect is not the form we
 * served), DTOs arrive as class instances with their transforms applied, and a failure is our
 * InvalidInput instead of Nest's bare BadRequestException.
 *
 * Query strings of pages are the exception: links get decorated on their way to a person
 * (utm_* tags, a mail client's tracking, `next=` from a bookmarklet), and a sign-in page that
 * answers "invalid input" to such a link helps nobody. Unknown query parameters are dropped
 * (never read, never echoed); the ones a DTO names are validated as strictly as a form.
 */
export class AppValidationPipe extends ValidationPipe {
  private readonly queryPipe = new ValidationPipe({ ...OPTIONS, forbidNonWhitelisted: false });

  constructor() {
    super(OPTIONS);
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    return metadata.type === 'query' ? this.queryPipe.transform(value, metadata) : super.transform(value, metadata);
  }
}

const OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  validationError: { target: false },
  exceptionFactory: invalidInput,
} satisfies ValidationPipeOptions;

export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe();
}
