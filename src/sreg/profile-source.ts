import { Injectable } from '@nestjs/common';
import type { ProfileField, User } from '../users/user.entity.js';
import { ATTRIBUTE_FIELDS } from './attributes.js';

/** A user's profile values by field; absent fields are unknown. */
export type ProfileValues = Partial<Record<ProfileField, string>>;

/**
 * Where profile values come from. The local account row today; an XMPP vCard source can replace
 * or wrap this provider later without the consent page or the response builder knowing.
 */
export abstract class ProfileSource {
  abstract load(user: User): Promise<ProfileValues>;
}

/** The profile columns of the user's own row (validated on input by src/users/profile.ts). */
@Injectable()
export class LocalProfileSource extends ProfileSource {
  override load(user: User): Promise<ProfileValues> {
    const values: ProfileValues = {};
    for (const field of ATTRIBUTE_FIELDS) {
      const value = user[field];
      if (typeof value === 'string' && value.trim() !== '') values[field] = value;
    }
    return Promise.resolve(values);
  }
}
