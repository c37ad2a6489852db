import type { Catalogue } from '../../catalogue.js';

// Passkeys (WebAuthn, src/auth/factors/passkey.service.ts, src/auth/login/passkey-login.service.ts):
// the errors their ceremonies answer (AppError titles and details: the page shows the detail, the
// problem document carries both), and the words /assets/passkeys.js shows under a passkey button
// when the browser or the authenticator did not go through (src/http/passkey-status.ts).

export default {
  refused: {
    title: 'Passkey refused',
    // One per PasskeyRefusal (src/auth/factors/webauthn-checks.ts).
    reasons: {
      malformed: 'The browser sent no passkey answer we can read. Try again.',
      wrong_type: 'The browser answered a different passkey request. Try again.',
      challenge_unknown: 'That passkey request is unknown here, or was answered already. Try again.',
      challenge_expired: 'That passkey request expired. Try again.',
      origin_mismatch: 'The passkey was used on another site than this one.',
      cross_origin: 'The passkey was used inside another site’s page.',
      rp_id_mismatch: 'The passkey belongs to another site.',
      user_not_present: 'The passkey did not confirm that you were there. Try again.',
      user_not_verified: 'The passkey must check that it is you (PIN, fingerprint or face) to sign in on its own.',
      unknown_credential: 'That passkey is not one of this account’s.',
      user_handle_mismatch: 'That passkey is not one of this account’s.',
      already_registered: 'That passkey is added already.',
      counter_regression: 'That passkey looks copied: its signature counter went backwards. It was refused.',
      bad_signature: 'The passkey’s signature is wrong.',
    },
  },
  challenges_exhausted: {
    title: 'Too many passkey requests',
    detail: 'Too many passkey sign-ins were started from your network. Try again in a few minutes.',
  },
  unavailable: {
    title: 'No passkeys here',
    detail: 'Passkeys need this service under a domain name over HTTPS (WebAuthn Level 3 §5.1.2).',
  },
  sign_in_disabled: {
    title: 'Not offered',
    detail: 'Signing in with a passkey alone is not offered here. Sign in with your password; a passkey may then be asked as a second factor.',
  },
  second_factor_not_pending: {
    title: 'Sign in again',
    detail: 'Your sign-in timed out before the second factor was given. Sign in again.',
  },
  fresh_sign_in_required: {
    title: 'Sign in again',
    detail: 'To add a passkey, sign in again first.',
  },
  // What the page's script says when a ceremony did not go through in the browser.
  browser: {
    not_allowed: 'The passkey was not used (cancelled, or it took too long). Try again.',
    already_added: 'This passkey is added already.',
    failed: 'The passkey could not be used. Try again.',
    options_failed: 'The passkey could not be asked for. Reload the page and try again.',
  },
} satisfies Catalogue;
