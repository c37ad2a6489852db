import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';

// Pieces shared by the DTOs of our HTML forms (application/x-www-form-urlencoded, parsed by the
// Fastify adapter: a repeated field arrives as an array, a single one as a string).

/** Longest CSRF token accepted (ours are 43 characters; the guard compares it in constant time). */
export const MAX_CSRF_LENGTH = 128;

/** Every form we serve carries the CSRF token (checked by CsrfGuard before validation). */
export class CsrfProtectedForm {
  @IsString()
  @MaxLength(MAX_CSRF_LENGTH)
  csrf: string;
}

/** For repeatable fields (checkbox groups): absent → [], one value → [value], several → as sent. */
export const AsList = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

/** Typed text: surrounding whitespace is not part of the value (it would count against the length). */
export const Trimmed = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
