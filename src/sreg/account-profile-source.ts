import { Injectable } from '@nestjs/common';
import type { ProfileField, User } from '../users/user.entity.js';
import { ATTRIBUTE_FIELDS } from './attributes.js';
import { ProfileSource, type ProfileValues } from './profile-source.js';

/** A user's profile with where each value came from. */
export interface ProfileWithOrigins {
  readonly values: ProfileValues;
  /** The fields whose value is the vCard's (the user has not set their own). */
  readonly fromVcard: ReadonlySet<ProfileField>;
}

/**
 * The profile an account releases: the values the user set on the identity page, and for the
 * fields they left empty, the values of the vCard read at their last XMPP sign-in (XEP-0054 /
 * XEP-0292, mapped and validated by src/xmpp/vcard-mapping.ts). The user's own value wins; clearing
 * it falls back to the vCard. A local account has no vCard: its own values only.
 */
export function profileWithOrigins(user: Pick<User, ProfileField | 'vcard'>): ProfileWithOrigins {
  const values: ProfileValues = {};
  const fromVcard = new Set<ProfileField>();
  for (const field of ATTRIBUTE_FIELDS) {
    const own = user[field];
    if (typeof own === 'string' && own.trim() !== '') {
      values[field] = own;
      continue;
    }
    const card = user.vcard?.[field];
    if (typeof card === 'string' && card.trim() !== '') {
      values[field] = card;
      fromVcard.add(field);
    }
  }
  // The vCard's N goes with its FN only: beside a full name of the user's own, parts of another
  // name would contradict it.
  const name = user.vcard?.name;
  if (fromVcard.has('fullname') && name && (name.given !== undefined || name.family !== undefined)) values.nameParts = name;
  return { values, fromVcard };
}

/** The provider's profile source: own values over the vCard's (profileWithOrigins). */
@Injectable()
export class AccountProfileSource extends ProfileSource {
  override load(user: User): Promise<ProfileValues> {
    return Promise.resolve(profileWithOrigins(user).values);
  }
}
