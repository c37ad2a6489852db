import { IsIn, IsString, Matches } from 'class-validator';
import { CsrfProtectedForm } from '../../http/forms.js';
import { INTERACTION_UID } from '../../auth/login/login.dto.js';

export const OIDC_DECISIONS = ['allow_once', 'deny'] as const;
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
}
