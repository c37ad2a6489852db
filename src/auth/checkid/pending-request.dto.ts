import { IsOptional, IsString, MaxLength } from 'class-validator';

/** pending_requests.id is varchar(64); ours are 32 characters, and their format is the service's to check. */
export const MAX_PENDING_REQUEST_ID = 64;

/**
 * `?request=` of the login, consent and /continue pages. An id of the right length but unknown or
 * malformed answers "sign-in request expired" (PendingRequestService), which is what a person
 * with a stale link should read; a repeated or over-long one is not a link we made (400).
 */
export class PendingRequestQuery {
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PENDING_REQUEST_ID)
  request?: string;
}
