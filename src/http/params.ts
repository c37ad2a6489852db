import { NotFoundException, ParseUUIDPipe, type PipeTransform } from '@nestjs/common';

// Path parameters name a resource. One that cannot name anything (longer than the column that
// would hold it, not a UUID where ids are UUIDs) is a miss like any other: the unmatched-route
// 404, through the global filter. (Longer than the router's maxParamLength, Fastify itself
// refuses it: see frameworkErrorHandler.)

/** A name parameter (e.g. `:user`): a string no longer than its column. */
export class NameParamPipe implements PipeTransform<unknown, string> {
  constructor(private readonly maxLength: number) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || value.length === 0 || value.length > this.maxLength) throw new NotFoundException();
    return value;
  }
}

/** An id parameter: our ids are UUIDs (gen_random_uuid()). */
export function uuidParam(): ParseUUIDPipe {
  return new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException() });
}
