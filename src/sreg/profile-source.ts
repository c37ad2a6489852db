import type { ProfileField, User } from '../users/user.entity.js';

/** A user's profile values by field; absent fields are unknown. */
export type ProfileValues = Partial<Record<ProfileField, string>>;

/**
 * Where profile values come from (AccountProfileSource: the account's own values over its
 * vCard's), without the consent page or the response builder knowing.
 */
export abstract class ProfileSource {
  abstract load(user: User): Promise<ProfileValues>;
}
