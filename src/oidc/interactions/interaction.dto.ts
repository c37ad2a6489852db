import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { AsList, CsrfProtectedForm } from '../../http/forms.js';
import { PROFILE_FIELDS, type ProfileField } from '../../users/user.entity.js';
import { INTERACTION_UID } from '../../auth/login/login.dto.js';

export const OIDC_DECISIONS = ['allow_once', 'allow_always', 'deny'] as const;
export type OidcDecision = (typeof OIDC_DECISIONS)[number];

/** `/oidc/interaction/:uid`: oidc-provider's interaction uid. */
export class InteractionParams {
  @IsString()
  @Matches(INTERACTION_UID)
  uid: string;
}

/** The Connect consent form: the consent page's decision buttons and CSRF, nothing typed. */
export class OidcConsentForm extends CsrfProtectedForm {
  @IsString()
  @IsIn(OIDC_DECISIONS)
  decision: OidcDecision;

  /** The ticked fields (the consent page's checkboxes, as for SReg); only those asked for count. */
  @AsList()
  @IsArray()
  @ArrayMaxSize(PROFILE_FIELDS.length)
  @IsIn(PROFILE_FIELDS, { each: true })
  release: ProfileField[] = [];

  /**
   * OpenID 2.0 to OpenID Connect Migration 1.0 §9.1 (correlation): whether the application may
   * link this sign-in to the person's OpenID 2.0 Identifier (openid2_id). Absent: `link`, the
   * radio button checked by default, so that a form sent without it means what the page showed.
   */
  @IsOptional()
  @IsString()
  @IsIn(['link', 'withhold'])
  openid2?: 'link' | 'withhold';
}
