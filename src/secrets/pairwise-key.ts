import type { KeyRing } from './key-ring.js';

/**
 * The HMAC key of pairwise identifiers (src/protocol/pairwise.ts): OpenID Connect pairwise
 * subjects and OpenID 2.0 private identifiers. They must not change when the operator rotates the
 * key file (`keys rotate` adds a newer key), so the key comes from the oldest operator key, the
 * one every rotation keeps. The purpose string predates private identifiers and stays, so that
 * no existing `sub` changes.
 */
export function pairwiseKey(keyRing: KeyRing): Buffer {
  return keyRing.derive('oidc pairwise subjects').at(-1)!;
}
