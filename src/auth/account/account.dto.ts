import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { AsList, CsrfProtectedForm, Trimmed } from '../../http/forms.js';
import { PROFILE_MAX_LENGTH } from '../../users/profile.js';
import { PROFILE_FIELDS, type ProfileField } from '../../users/user.entity.js';

/** The owner page's one-button forms (sign out, sign out everywhere, revoke, end session). */
export class ButtonForm extends CsrfProtectedForm {}

/**
 * The profile form of the owner page: the profile fields (each optional: an absent field is left as
 * it is, an empty one is cleared) no longer than their columns, and the fields shared by default
 * (`share`, repeated). A refusal answers the structured error, as the SReg format checks
 * (validateProfile) always have: the error page names the field for people, problem+json lists
 * it for machines.
 */
export class ProfileForm extends CsrfProtectedForm {
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.nickname) nickname?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.email) email?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.fullname) fullname?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.dob) dob?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.gender) gender?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.postcode) postcode?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.country) country?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.language) language?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.timezone) timezone?: string;
  @IsOptional() @Trimmed() @IsString() @MaxLength(PROFILE_MAX_LENGTH.phone) phone?: string;

  /** Ticked "share by default" boxes; none ticked means none shared. */
  @AsList()
  @IsArray()
  @ArrayMaxSize(PROFILE_FIELDS.length)
  @IsIn(PROFILE_FIELDS, { each: true })
  share: ProfileField[] = [];
}

/** The owner page's notices toggle: the OpenID bot's new-site messages on or off. */
export class NoticesForm extends CsrfProtectedForm {
  @IsString()
  @IsIn(['on', 'off'])
  notices: 'on' | 'off';
}
