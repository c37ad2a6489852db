import { ArrayMaxSize, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import { AsList, CsrfProtectedForm } from '../../http/forms.js';
import { PROFILE_FIELDS, type ProfileField } from '../../users/user.entity.js';
import { MAX_PENDING_REQUEST_ID } from '../checkid/pending-request.dto.js';
import type { IdentifierChoice } from '../../realm/trust-grant.entity.js';
import type { Decision } from '../checkid/checkid.service.js';

export const DECISIONS: readonly Decision[] = ['allow_once', 'allow_always', 'deny'];
export const IDENTIFIER_CHOICES: readonly IdentifierChoice[] = ['public', 'private'];

/**
 * The consent form of DESIGN.md's contract: the submit button's `decision`, the ticked `release`
 * checkboxes (repeated), and the hidden csrf and request fields. Nothing here is typed by a
 * person (buttons and checkboxes carry fixed values), so a refused form is a tampered or broken
 * one: it answers the structured error (the error page for browsers, problem+json otherwise).
 */
export class ConsentForm extends CsrfProtectedForm {
  @IsString()
  @MaxLength(MAX_PENDING_REQUEST_ID)
  request: string;

  @IsString()
  @IsIn(DECISIONS)
  decision: Decision;

  /**
   * DESIGN.md: the identifier an identifier_select request is answered with, the person's own
   * (`public`, also when absent: clients that post only `decision` keep working) or the private
   * one of this site (`private`). Ignored for other requests.
   */
  @IsString()
  @IsIn(IDENTIFIER_CHOICES)
  identifier: IdentifierChoice = 'public';

  /** Fields the user agrees to send; only those the RP asked for are ever released. */
  @AsList()
  @IsArray()
  @ArrayMaxSize(PROFILE_FIELDS.length)
  @IsIn(PROFILE_FIELDS, { each: true })
  release: ProfileField[] = [];
}
