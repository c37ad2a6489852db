import { type ArgumentMetadata, ValidationPipe, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import { text, Text, type Locale } from '../i18n/locale.js';
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
  /** Why, in the reader's language (a catalogue text). */
  readonly reason: Text;
}

/** At most this many fields are described (a body of a thousand unknown fields gets ten lines). */
const MAX_LISTED = 10;
/** Unknown field names are the client's text: shown shortened. */
const MAX_NAME = 64;

/** "The request could not be read: name reason; name reason.", each reason in the reader's language. */
class FieldsDetail extends Text {
  constructor(private readonly fields: readonly InvalidField[]) {
    super('errors.validation_failed.detail');
  }

  override in(locale: Locale): string {
    const fields = this.fields.map((f) => locale.t('errors.validation_failed.field', { name: f.name, reason: f.reason.in(locale) })).join('; ');
    return locale.t('errors.validation_failed.detail', { fields });
  }
}

/**
 * A request whose form, query or path parameters the DTO refuses. The problem document lists the
 * offending fields (RFC 9457 §3.2 extension member `errors`, in the shape of its §3 example: a JSON
 * pointer and a detail in the reader's language); browsers get the error page with the same
 * sentence, and people's forms may answer their page again instead (see the login form).
 */
export class InvalidInput extends AppError {
  constructor(readonly fields: readonly InvalidField[]) {
    const listed = fields.slice(0, MAX_LISTED);
    super('validation_failed', 400, text('errors.validation_failed.title'), new FieldsDetail(listed), {
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
      out.push({ name, rule: 'missing', reason: text('errors.validation_failed.missing') });
    } else if (Array.isArray(value) && 'isString' in (error.constraints ?? {})) {
      out.push({ name, rule: 'repeated', reason: text('errors.validation_failed.repeated') });
    } else {
      const [rule, message] = constraints[0]!;
      out.push({ name, rule, reason: reasonOf(rule, message, error.property) });
    }
  }
  for (const child of error.children ?? []) describe(child, name, out);
}

/**
 * Our words for the rules our DTOs use. class-validator's default messages (the only ones our DTOs
 * use) are English; the rule's argument (the allowed values, a maximum) is read back from them:
 * "[each value in ]<property> must be one of the following values: a, b". Any other rule is
 * "is not valid".
 */
function reasonOf(rule: string, message: string, property: string): Text {
  const argument = (pattern: RegExp): string | undefined => pattern.exec(message)?.[1];
  const reason = ((): Text | undefined => {
    switch (rule) {
      case 'whitelistValidation':
        return text('errors.validation_failed.unknown_field');
      case 'isString':
        return text('errors.validation_failed.is_string');
      case 'isArray':
        return text('errors.validation_failed.is_array');
      case 'isUuid':
        return text('errors.validation_failed.is_uuid');
      case 'isIn': {
        const values = argument(/ must be one of the following values: (.*)$/s);
        return values === undefined ? undefined : text('errors.validation_failed.is_in', { values });
      }
      case 'maxLength': {
        const max = argument(/ must be shorter than or equal to (\d+) characters$/);
        return max === undefined ? undefined : text('errors.validation_failed.max_length', { max });
      }
      case 'arrayMaxSize': {
        const max = argument(/ must contain no more than (\d+) elements$/);
        return max === undefined ? undefined : text('errors.validation_failed.array_max_size', { max });
      }
      case 'matches': {
        const pattern = argument(/ must match (.*) regular expression$/s);
        return pattern === undefined ? undefined : text('errors.validation_failed.matches', { pattern });
      }
      default:
        return undefined;
    }
  })();
  if (reason === undefined) return text('errors.validation_failed.invalid');
  // ValidationOptions.each: the rule applied to every value of an array.
  return message.startsWith('each value in ') ? text('errors.validation_failed.each', { name: property, reason }) : reason;
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
