import type { Catalogue } from '../../catalogue.js';

// The OpenID Connect pages (src/oidc): the consent page of an authorization request, the
// RP-initiated logout pages and the errors oidc-provider shows people instead of redirecting.

export default {
  consent: {
    title: 'Sign in to an application?',
    heading: 'Sign in to this application?',
    application: 'Application <code>{{clientId}}</code> · answers go to {{origin}}',
    signed_in_as: 'You are signed in as <strong>{{account}}</strong>.',
    asks_for: 'The application asks for',
    // What each scope means to a person (OpenID Connect Core 1.0 §5.4, §11).
    scopes: {
      openid: 'Who you are on this provider (an identifier for your account)',
      profile: 'Your profile: name, nickname, date of birth, gender, language, time zone',
      email: 'Your e-mail address',
      address: 'Your postcode and country',
      phone: 'Your phone number',
      offline_access: 'Access while you are not signed in (a long-lived refresh token)',
    },
    openid2: {
      legend: 'Your OpenID from before',
      text: 'This application can learn that you are <code>{{identifier}}</code>, the OpenID you may have used with it before.',
      link: 'Tell it, so that it finds my old account',
      withhold: "Don't tell it: it sees me as a new user",
    },
    details: 'Send these details',
    // A profile field before its value.
    field: '{{label}}:',
    not_in_profile: 'not in your profile',
    allow_once: 'Allow once',
    allow_always: 'Always allow',
    deny: 'Deny',
  },
  logout: {
    title: 'Sign out',
    heading: 'Sign out?',
    client_asks: '<strong>{{client}}</strong> asks to sign you out of {{host}}.',
    site_asks: 'A site asks to sign you out of {{host}}.',
    yes: 'Yes, sign me out',
    no: 'No, stay signed in',
  },
  logged_out: {
    heading: 'Signed out',
    text: 'You are signed out.',
    text_client: 'You are signed out of <strong>{{client}}</strong>.',
  },
  // The OAuth 2.0 / OpenID Connect error codes a person may meet (RFC 6749 §4.1.2.1, OpenID
  // Connect Core 1.0 §3.1.2.6), explained; oidc-provider's own description follows, in English.
  errors: {
    invalid_request: { title: 'Invalid request', detail: 'The application’s request is malformed or incomplete.' },
    invalid_client: { title: 'Unknown application', detail: 'This application is not registered with this provider.' },
    invalid_redirect_uri: { title: 'Unregistered return address', detail: 'The application asked for the answer at an address it has not registered.' },
    unauthorized_client: { title: 'Application not allowed', detail: 'This application may not make this kind of request.' },
    access_denied: { title: 'Access denied', detail: 'The request was refused.' },
    unsupported_response_type: { title: 'Unsupported request', detail: 'The application asked for a kind of answer this provider does not give.' },
    invalid_scope: { title: 'Invalid request', detail: 'The application asked for access this provider does not offer.' },
    server_error: { title: 'Internal error', detail: 'Something went wrong on our side. Try again later.' },
    temporarily_unavailable: { title: 'Service unavailable', detail: 'The service cannot answer right now. Try again later.' },
    session_not_found: { title: 'Session not found', detail: 'Your session was not found; it may have ended. Go back to the application and try again.' },
    other: { title: 'Request refused', detail: 'This request cannot be served.' },
    described: '{{detail}} Technical detail: {{description}}',
  },
} satisfies Catalogue;
