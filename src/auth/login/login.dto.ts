import { IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { CsrfProtectedForm } from '../../http/forms.js';
import { MAX_PASSWORD } from '../../users/users.service.js';
import { MAX_USERNAME_LENGTH } from '../../users/username.js';
import { MAX_PENDING_REQUEST_ID, PendingRequestQuery } from '../checkid/pending-request.dto.js';

/**
 * oidc-provider's interaction uids are nanoids (21 characters of A-Z a-z 0-9 _ -); a little room
 * beyond. Anything else is not a link we made.
 */
export const INTERACTION_UID = /^[A-Za-z0-9_-]{1,64}$/;

/** What a sign-in form continues: the fields every form of the sign-in pages carries along. */
export class SignInFlowForm extends CsrfProtectedForm {
  /** The parked OpenID request this sign-in continues (absent for a plain sign-in). */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_PENDING_REQUEST_ID)
  request?: string;

  /** The OpenID Connect interaction this sign-in continues (its uid: never a URL, so no open redirect). */
  @IsOptional()
  @IsString()
  @Matches(INTERACTION_UID)
  interaction?: string;
}

/**
 * The login form of DESIGN.md's contract: username, password, an optional `remember` checkbox,
 * and the hidden csrf and request fields.
 *
 * People type into this form, so a submission it refuses (a username longer than any account's,
 * a password longer than we ever hash, a repeated or unknown field) answers the login page again
 * with a message and HTTP 400 (LoginFormRejected), not a problem document. Within these limits an
 * unknown account or a wrong password is a failed login (401, same message, same cost).
 */
export class LoginForm extends SignInFlowForm {
  @IsString()
  @MaxLength(MAX_USERNAME_LENGTH)
  username: string;

  /** Not needed (and ignored) when the chat app confirms the sign-in (method=xmpp). */
  @ValidateIf((form: LoginForm) => form.method !== 'xmpp' || form.password !== undefined)
  @IsString()
  @MaxLength(MAX_PASSWORD)
  password: string;

  /** Which submit button: the password (default) or "Confirm with my chat app" (DESIGN.md "XMPP"). */
  @IsOptional()
  @IsString()
  @IsIn(['password', 'xmpp'])
  method?: 'password' | 'xmpp';

  /** The checkbox's value is "1"; unticked, the field is absent. */
  @IsOptional()
  @IsString()
  @IsIn(['1'])
  remember?: '1';

}

/** `?request=` or `?interaction=` of the login page; `?fresh=1` asks a signed-in person to sign in again. */
export class LoginQuery extends PendingRequestQuery {
  @IsOptional()
  @IsString()
  @Matches(INTERACTION_UID)
  interaction?: string;

  @IsOptional()
  @IsString()
  @IsIn(['1'])
  fresh?: '1';
}

/**
 * `?request=` or `?interaction=` of the second-factor page (what the sign-in continues);
 * `?want=passkey`: the step-up is for a passkey (the page says so; the decision is the flow's).
 */
export class SecondFactorQuery extends PendingRequestQuery {
  @IsOptional()
  @IsString()
  @Matches(INTERACTION_UID)
  interaction?: string;

  @IsOptional()
  @IsString()
  @IsIn(['passkey'])
  want?: 'passkey';
}

/** Longest `code` read: a recovery code with its hyphens and some spaces; anything longer is no code (400). */
export const MAX_CODE_LENGTH = 64;

/**
 * The second-factor form (DESIGN.md "Sign-in with a second factor"): one input named `code` (a TOTP
 * or recovery code), "Remember this device", and what the sign-in continues.
 */
export class SecondFactorForm extends SignInFlowForm {
  @IsString()
  @MaxLength(MAX_CODE_LENGTH)
  code: string;

  /** The page asked for a passkey (`?want=passkey`): a code given instead declines it for this request. */
  @IsOptional()
  @IsString()
  @IsIn(['passkey'])
  want?: 'passkey';

  @IsOptional()
  @IsString()
  @IsIn(['1'])
  remember_device?: '1';

}

/** Longest WebAuthn response read (a PublicKeyCredential's JSON: ids, client data, authenticator data, signature); anything longer is no passkey's (400). */
export const MAX_PASSKEY_RESPONSE = 32_768;

/** What a passkey ceremony's options are asked for (the page's script posts it): what the sign-in continues. */
export class PasskeyOptionsForm extends SignInFlowForm {}

/**
 * A passkey's answer (WebAuthn Level 3 §5.1 PublicKeyCredential as JSON, filled in by the page's
 * script), on the login page ("Sign in with a passkey") or the code page ("Use a passkey").
 */
export class PasskeyAssertionForm extends PasskeyOptionsForm {
  @IsString()
  @MaxLength(MAX_PASSKEY_RESPONSE)
  response: string;

  /** "Keep me signed in" (the login page's checkbox), for a passkey-only sign-in. */
  @IsOptional()
  @IsString()
  @IsIn(['1'])
  remember?: '1';
}
