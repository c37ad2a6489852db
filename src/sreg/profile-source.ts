import type { NameParts, ProfileField, User } from '../users/user.entity.js';

/** A user's profile values by field; absent fields are unknown. */
export type ProfileValues = Partial<Record<ProfileField, string>> & {
  /** The parts of `fullname` when it comes from a vCard with N (AX namePerson/first and /last). */
  nameParts?: NameParts;
};

/**
 * Where profile values come from (AccountProfileSource: the account's own values over its
 * vCard's), without the consent page or the response builder knowing.
 */
export abstract class ProfileSource {
  abstract load(user: User): Promise<ProfileValues>;
}
