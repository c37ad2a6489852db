import { defineView } from './views.js';

// The line under a passkey button (the login page, the code page, adding a passkey) where
// /assets/passkeys.js says why a ceremony did not go through. The script has no words of its own:
// it reads them from this element's data-* attributes, in the page's language (passkeys.browser.*).
// A refusal by the server comes as its problem document's detail, which the script asks for in
// the page's language too (Accept-Language: <html lang>).
defineView(
  'passkey-status',
  `<p class="notice error" role="alert" data-webauthn-status data-not-allowed="<%= it.t('passkeys.browser.not_allowed') %>" data-already-added="<%= it.t('passkeys.browser.already_added') %>" data-failed="<%= it.t('passkeys.browser.failed') %>" data-options-failed="<%= it.t('passkeys.browser.options_failed') %>" hidden></p>`,
);
