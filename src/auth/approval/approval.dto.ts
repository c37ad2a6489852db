import { IsUUID } from 'class-validator';
import { CsrfProtectedForm } from '../../http/forms.js';

/** `/login/approval/:id`: a login_approvals id (a UUID; anything else is not a link we made, 400). */
export class ApprovalParams {
  @IsUUID()
  id: string;
}

/** The waiting page's cancel form: only the CSRF token. */
export class ApprovalCancelForm extends CsrfProtectedForm {}
