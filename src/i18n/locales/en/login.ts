import type { Catalogue } from '../../catalogue.js';

// The sign-in pages: the login form, the second-factor page (/login/code) and the waiting page of
// a sign-in confirmed from the chat app (/login/approval/:id), with the messages they show.

export default {
  title: 'Sign in — {{domain}}',
  heading: 'Sign in with your {{domain}} account',
  continue_to_realm: 'to continue to <span class="realm">{{realm}}</span>',
  continue_to_application: 'to continue to <span class="realm">{{name}}</span> <span class="meta">(application <code>{{clientId}}</code> at {{origin}})</span>',
  username: 'Username',
  password: 'Password',
  remember: 'Keep me signed in on this device',
  sign_in: 'Sign in',
  chat_approval: 'Confirm with my chat app',
  // No "Sign in" in it: whoever finds the password form's button by that name still finds one.
  passkey_sign_in: 'Use a passkey instead',
  fresh_sign_in: 'To change how you sign in, sign in again first.',
  errors: {
    invalid_credentials: 'Wrong username or password.',
    account_disabled: 'This account is disabled. Ask the administrator of this domain.',
    unavailable: 'The sign-in service is unavailable right now. Try again in a few minutes.',
    throttled: 'Too many failed attempts. Try again in {{wait}}.',
    username_too_long: 'That username is too long: no account has one that long.',
    password_too_long: 'That password is too long: passwords have at most {{max}} characters.',
    unreadable: 'The form could not be read. Try again.',
  },
  /** How long a throttled person waits (waitText). */
  wait: {
    seconds_one: '{{count}} second',
    seconds_other: '{{count}} seconds',
    minutes_one: '{{count}} minute',
    minutes_other: '{{count}} minutes',
  },
  code: {
    title: 'Second factor — {{domain}}',
    heading: 'Confirm it is you',
    step_up_site: '<span class="realm">{{site}}</span> asks for a second proof that you are <strong>{{account}}</strong>.',
    step_up: 'This needs a second proof that you are <strong>{{account}}</strong>.',
    sign_in_site: 'Signing in as <strong>{{account}}</strong> to continue to <span class="realm">{{site}}</span>.',
    sign_in: 'Signing in as <strong>{{account}}</strong>.',
    label: 'Code from your authenticator app, or a recovery code',
    /** The label for an account without an authenticator app (its second factor is a passkey). */
    label_recovery: 'A recovery code',
    remember_device_one: 'Remember this device for {{count}} day (no code asked here; sites are told a single factor was used)',
    remember_device_other: 'Remember this device for {{count}} days (no code asked here; sites are told a single factor was used)',
    continue: 'Continue',
    passkey: 'Use a passkey',
    want_passkey: 'The site asks for a passkey. A code works too, but the site is then told that no passkey was used.',
    errors: {
      not_a_code: 'That is not a code: type the six digits your authenticator app shows, or one of your recovery codes.',
      wrong_code: 'Wrong or already used code. Type the code your app shows now, or an unused recovery code.',
      throttled: 'Too many wrong codes. Try again in {{wait}}.',
      timed_out: 'Your sign-in timed out before the code was typed. Sign in again.',
    },
  },
  approval: {
    title: 'Confirm in your chat app — {{code}}',
    heading: 'Confirm in your chat app',
    signing_in_to: 'Signing in to <span class="realm">{{site}}</span>.',
    // "yes" and "no" are the bot's commands: they stay as the bot reads them.
    waiting: 'Waiting for your answer. Your chat app shows the code <strong class="code">{{code}}</strong>: check that it is the same, then accept, or reply <kbd>yes {{code}}</kbd> (or <kbd>no {{code}}</kbd>).',
    refresh: 'This page checks again by itself every few seconds. The request expires in {{wait}}.',
    cancel: 'Cancel',
    back: 'Back to the sign-in page',
    reference: 'HTTP {{status}} · request <code>{{requestId}}</code>',
    /** What is being signed in to, after "Signing in to". */
    site: {
      identity_page: 'your identity page',
      application: '{{name}} ({{origin}})',
      expired_application: 'an application (its sign-in request has expired)',
    },
    errors: {
      not_available: 'Confirming with the chat app is not available here: sign in with your password.',
      invalid_username: 'That is not a valid {{domain}} username.',
      unavailable: 'The sign-in service is unavailable right now. Try again in a minute, or sign in with your password.',
      rate_limited: 'Too many confirmation requests. Try again in a minute.',
    },
    finished: {
      unknown: { title: 'Unknown sign-in', message: 'This sign-in approval does not exist.' },
      other_browser: { title: 'Another browser', message: 'This sign-in was started in another browser: only that browser can continue it.' },
      timed_out: { title: 'Timed out', message: 'Nobody confirmed this sign-in in time. Nobody was signed in.' },
      already_used: { title: 'Already used', message: 'This sign-in was already completed.' },
      account_disabled: { title: 'Account disabled', message: 'This account is disabled. Ask the administrator of this domain.' },
      denied: { title: 'Denied', message: 'The sign-in was denied from the chat app. Nobody was signed in.' },
      cancelled: { title: 'Cancelled', message: 'This sign-in was cancelled.' },
    },
  },
} satisfies Catalogue;
