import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Static assets served from memory: one stylesheet and the script that auto-submits the form of
// a long OpenID response (OpenID 2.0 §5.2.2). Pages work without the script: its form has a
// visible button.

export const STYLESHEET = `:root {
  color-scheme: light dark;
  --op-font: system-ui, -apple-system, "Segoe UI", sans-serif;
  --op-bg: Canvas;
  --op-fg: CanvasText;
  --op-accent: #2455c3;
  --op-warning: #9a5b00;
  --op-error: #b3261e;
  --op-radius: .5rem;
  /* Secondary text: at least 4.5:1 against the page in both schemes (WCAG 1.4.3). */
  --op-muted: light-dark(#595959, #b3b3b3);
}
* { box-sizing: border-box; }
body { margin: 0; font-family: var(--op-font); background: var(--op-bg); color: var(--op-fg); line-height: 1.5; }
main { max-width: 34rem; margin: 3rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; }
form { display: grid; gap: .75rem; }
label { display: grid; gap: .25rem; font-weight: 600; }
input[type=text], input[type=tel], input[type=password] { font: inherit; padding: .5rem; border: 1px solid GrayText; border-radius: var(--op-radius); }
.check { display: flex; gap: .5rem; align-items: center; font-weight: normal; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; }
button { font: inherit; padding: .5rem 1rem; border-radius: var(--op-radius); border: 1px solid var(--op-accent); background: var(--op-accent); color: #fff; cursor: pointer; }
button.secondary { background: transparent; color: var(--op-fg); border-color: GrayText; }
:focus-visible { outline: 3px solid var(--op-accent); outline-offset: 2px; }
.realm { font-size: 1.125rem; font-weight: 700; word-break: break-all; }
.notice { padding: .75rem; border-radius: var(--op-radius); border: 1px solid currentColor; }
.notice.warning { color: var(--op-warning); }
.notice.error { color: var(--op-error); }
.meta { color: var(--op-muted); font-size: .875rem; }
code { overflow-wrap: anywhere; }
header.site { display: flex; align-items: center; gap: .5rem; max-width: 34rem; margin: 1rem auto 0; padding: 0 1rem; font-weight: 700; }
header.site .logo { height: 2rem; width: auto; }
.list { list-style: none; padding: 0; display: grid; gap: .75rem; }
.list li { display: grid; gap: .25rem; padding: .75rem; border: 1px solid color-mix(in srgb, currentColor 20%, transparent); border-radius: var(--op-radius); }
form.inline { display: inline; }
.profile .field { display: grid; gap: .25rem; padding-bottom: .5rem; border-bottom: 1px solid color-mix(in srgb, currentColor 12%, transparent); }
.realm-inline { word-break: break-all; }
fieldset { border: 1px solid color-mix(in srgb, currentColor 20%, transparent); border-radius: var(--op-radius); display: grid; gap: .5rem; }
legend { font-weight: 700; padding: 0 .25rem; }
.value { font-weight: 600; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; padding: .75rem; border-radius: var(--op-radius); background: color-mix(in srgb, currentColor 8%, transparent); }
/* The authenticator app's QR code (src/auth/account/factor-pages.ts): its own white margin, a size phones scan well. */
.qr svg { display: block; width: 14rem; max-width: 100%; height: auto; }
footer.site { max-width: 34rem; margin: 0 auto 2rem; padding: 0 1rem; font-size: .875rem; }
.languages { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; margin: 0; }
.languages [aria-current] { font-weight: 700; }
@media (max-width: 30rem) { main { margin: 1.5rem auto; } }
/* OpenID UI Extension 1.0 §5: the compact layout of a popup window (about 450×500 pixels). */
body.popup { font-size: .9375rem; line-height: 1.4; }
body.popup header.site { margin: .5rem auto 0; }
body.popup header.site .logo { height: 1.5rem; }
body.popup main { max-width: none; margin: .75rem 0; }
body.popup h1 { font-size: 1.25rem; margin: .25rem 0 .5rem; }
body.popup p { margin: .5rem 0; }
body.popup form { gap: .5rem; }
body.popup fieldset { padding: .5rem .75rem; }
/* OpenID UI Extension 1.0 §6: the relying party's icon, at most 64×64 whatever its own size. */
.rp-icon { display: block; width: 4rem; height: 4rem; object-fit: contain; margin: 0 0 .5rem; }
body.popup .rp-icon { width: 3rem; height: 3rem; }
`;

/** The favicon: a key in a circle, in the accent colour. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="15" fill="#2455c3"/><circle cx="12" cy="16" r="5" fill="none" stroke="#fff" stroke-width="2.5"/><path d="M17 16h9m-3 0v4m-3-4v3" stroke="#fff" stroke-width="2.5" fill="none" stroke-linecap="round"/></svg>
`;

/**
 * OpenID UI Extension 1.0 §5: where the flow ends at our page without an answer to the RP (an
 * error, no return_to), the popup's "Close this window" button. Hidden until this script runs:
 * without script there is nothing it could do, and the page says the window can be closed.
 */
export const POPUP_SCRIPT = `document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('[data-close-window]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () { window.close(); });
  });
});
`;

/**
 * Tells the provider the browser's time zone, so that dates on its pages are the reader's own
 * (src/i18n/page-locale.ts): a cookie, sent with the next page. Until the server knows the zone,
 * the times it wrote in UTC (<time data-local>) are shown in the browser's, in the page's
 * language. No page needs it to work: without script, times read in UTC, saying so.
 */
export const TIME_ZONE_SCRIPT = `(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || !/^[A-Za-z0-9/_+-]{1,64}$/.test(zone)) return;
  var secure = location.protocol === 'https:';
  var name = secure ? '__Host-tz' : 'tz';
  var value = encodeURIComponent(zone);
  if (document.cookie.split('; ').indexOf(name + '=' + value) < 0) {
    document.cookie = name + '=' + value + '; Path=/; Max-Age=31536000; SameSite=Lax' + (secure ? '; Secure' : '');
  }
  document.addEventListener('DOMContentLoaded', function () {
    var format;
    try {
      format = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
    } catch (e) { return; }
    document.querySelectorAll('time[data-local][datetime]').forEach(function (el) {
      var at = new Date(el.getAttribute('datetime'));
      if (!isNaN(at.getTime())) el.textContent = format.format(at);
    });
  });
})();
`;

export const AUTOSUBMIT_SCRIPT = `document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('openid-response');
  if (form) form.submit();
});
`;

/**
 * @simplewebauthn/browser's own UMD bundle (window.SimpleWebAuthnBrowser), served by us from the
 * installed package (script-src 'self'; no other host is ever referenced), read once at start.
 */
export const WEBAUTHN_LIBRARY: string = readFileSync(join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');

/**
 * Passkeys on our pages (src/auth/login, src/auth/account): a button `data-webauthn` ("register" or
 * "authenticate") fetches its ceremony's options from `data-options` (a CSRF-checked POST), lets
 * the browser and the authenticator answer (@simplewebauthn/browser), and posts the answer to
 * `data-action` as the form field `response`, with the CSRF token and what the sign-in
 * continues. The buttons stay hidden where the browser has no WebAuthn (or runs no script):
 * the pages work without them, and `[data-webauthn-unsupported]` says why.
 */
export const PASSKEYS_SCRIPT = `(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  var COPIED = ['csrf', 'request', 'interaction', 'name'];

  function field(form, name) {
    var input = form ? form.elements.namedItem(name) : null;
    return input && typeof input.value === 'string' ? input : null;
  }

  // The words come from the page (the status line's data-* attributes, src/http/passkey-status.ts),
  // in its language; a refusal by the server is its problem document's detail.
  function explain(error, status) {
    var say = status ? status.dataset : {};
    if (error && error.fromServer) return error.message;
    if (error && error.name === 'NotAllowedError') return say.notAllowed;
    if (error && error.name === 'InvalidStateError') return say.alreadyAdded;
    return say.failed;
  }

  function post(action, fields) {
    var out = document.createElement('form');
    out.method = 'post';
    out.action = action;
    out.hidden = true;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = fields[name];
      out.appendChild(input);
    });
    document.body.appendChild(out);
    out.submit();
  }

  function run(button) {
    var form = button.form;
    var status = document.querySelector('[data-webauthn-status]');
    if (status) status.hidden = true;
    button.disabled = true;
    var body = new URLSearchParams();
    ['csrf', 'request', 'interaction'].forEach(function (name) {
      var input = field(form, name);
      if (input && input.value) body.set(name, input.value);
    });
    // A refusal's problem document in the page's language, whatever the browser's own is.
    var headers = { accept: 'application/json' };
    if (document.documentElement.lang) headers['accept-language'] = document.documentElement.lang;
    fetch(button.dataset.options, { method: 'POST', body: body, credentials: 'same-origin', headers: headers })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) {
            var refused = new Error(typeof json.detail === 'string' && json.detail ? json.detail : status ? status.dataset.optionsFailed : '');
            refused.fromServer = true;
            throw refused;
          }
          return json;
        });
      })
      .then(function (options) {
        return button.dataset.webauthn === 'register' ? lib.startRegistration({ optionsJSON: options }) : lib.startAuthentication({ optionsJSON: options });
      })
      .then(function (credential) {
        var fields = { response: JSON.stringify(credential) };
        COPIED.forEach(function (name) {
          var input = field(form, name);
          if (input && input.value) fields[name] = input.value;
        });
        var remember = form ? form.elements.namedItem('remember') : null;
        if (remember && remember.checked) fields.remember = '1';
        post(button.dataset.action, fields);
      })
      .catch(function (error) {
        button.disabled = false;
        if (status) {
          status.textContent = explain(error, status);
          status.hidden = false;
        }
      });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var supported = !!lib && lib.browserSupportsWebAuthn();
    document.querySelectorAll('[data-webauthn-unsupported]').forEach(function (element) {
      element.hidden = supported;
    });
    if (!supported) return;
    document.querySelectorAll('button[data-webauthn]').forEach(function (button) {
      button.hidden = false;
      button.addEventListener('click', function (event) {
        event.preventDefault();
        if (!button.disabled) run(button);
      });
      // The enrolment form has nothing to submit but the passkey: Enter in its name field starts it.
      if (button.dataset.webauthn === 'register' && button.form) {
        button.form.addEventListener('submit', function (event) {
          event.preventDefault();
          if (!button.disabled) run(button);
        });
      }
    });
  });
})();
`;
