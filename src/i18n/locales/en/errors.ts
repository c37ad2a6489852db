import type { Catalogue } from '../../catalogue.js';

// The errors' titles and details (src/http/error-responder.ts and every AppError), by their stable
// code: errors.<code>.title, errors.<code>.detail.

export default {
  page: {
    reference: 'Error <code>{{code}}</code> (HTTP {{status}}) · request <code>{{requestId}}</code>',
    popup_closed: 'Nothing was sent to the site. You can close this window.',
  },
  unknown_language: {
    title: 'Unknown language',
    detail: 'Pages are offered in these languages: {{languages}}.',
  },

  // The error responder's own answers: unknown errors, the database away, HTTP-level refusals.
  internal_error: {
    title: 'Internal error',
    detail: 'Something went wrong on our side. Quote the request id when reporting it.',
  },
  database_unavailable: {
    title: 'Service unavailable',
    detail: 'The service cannot reach its database right now. Try again in a few seconds.',
  },
  bad_request: {
    title: 'Bad request',
    detail: 'The request could not be read.',
    not_http: 'This request is not valid HTTP.',
  },
  unauthorized: { title: 'Unauthorized', detail: 'This request needs credentials it did not carry.' },
  forbidden: { title: 'Forbidden', detail: 'This request is not allowed.' },
  not_found: { title: 'Not found', detail: 'There is nothing at this address.' },
  method_not_allowed: { title: 'Method not allowed', detail: 'This address does not accept this kind of request.' },
  not_acceptable: { title: 'Not acceptable', detail: 'There is no answer in a format this request accepts.' },
  request_timeout: { title: 'Request timeout', detail: 'The request did not arrive in time.' },
  length_required: { title: 'Length required', detail: 'This request must say how long its body is.' },
  payload_too_large: { title: 'Request body too large', detail: 'The request body is too large.' },
  uri_too_long: { title: 'Request URI too long', detail: 'The address of this request is too long.' },
  unsupported_media_type: {
    title: 'Unsupported media type',
    detail: 'The request body is of a type this address does not accept.',
    openid: {
      title: 'Unsupported body',
      detail: 'OpenID messages are POSTed as application/x-www-form-urlencoded.',
    },
  },
  too_many_requests: { title: 'Too many requests', detail: 'Too many requests from this address. Wait a little, then try again.' },
  headers_too_large: { title: 'Request headers too large', detail: 'The request line or headers are too large.' },
  service_unavailable: { title: 'Service unavailable', detail: 'The service cannot answer right now. Try again in a few seconds.' },

  // An OpenID error shown to a person (the request had nowhere to be sent back to). What travels
  // to the relying party (openid.error) stays the protocol's English message.
  openid: {
    title: 'OpenID request refused',
    detail: '{{explanation}} The site’s developers may want this detail: {{message}}',
    invalid_request: 'The site sent a sign-in request that is not a valid OpenID message.',
    message_too_large: 'The site sent a sign-in request that is too large.',
    forbidden_character: 'The site sent a sign-in request with characters OpenID does not allow.',
    unsupported_mode: 'The site asked for something this provider does not do.',
    unsupported_type: 'The site asked for a kind of association this provider does not offer.',
    invalid_return_to: 'The site did not say where to send you back to, or named an address outside its own.',
    invalid_realm: 'The site’s name (its realm) is not valid, or this provider does not serve it.',
    rate_limited: 'Too many requests from this address. Wait a little, then try again.',
    unknown_identifier: 'The identifier the site asked about is not one this provider knows.',
    claimed_id_mismatch: 'The identifier the site asked about does not match the one it claims.',
    other: 'The site’s sign-in request could not be accepted.',
  },

  // The HTTP pipeline (src/http/http-pipeline.ts).
  unknown_domain: {
    title: 'Unknown domain',
    detail: 'This provider does not serve {{host}}.',
    no_host: 'This provider does not serve requests without a Host header.',
    not_served: '{{domain}} is not a domain served by this provider',
  },
  tls_required: { title: 'HTTPS required', detail: 'This provider only accepts this request over HTTPS.' },
  bad_url: { title: 'Bad address', detail: 'This address is not valid: it has broken percent-encoding.' },
  csrf_failed: { title: 'Form expired', detail: 'This form is no longer valid. Go back, reload the page and try again.' },

  // Form and query validation (src/http/validation.ts): one reason per class-validator rule our DTOs use.
  validation_failed: {
    title: 'Invalid input',
    detail: 'The request could not be read: {{fields}}.',
    field: '{{name}} {{reason}}',
    missing: 'is missing',
    repeated: 'was sent more than once',
    unknown_field: 'is not a field of this form',
    is_string: 'must be a string',
    is_in: 'must be one of the following values: {{values}}',
    each: 'each value in {{name}} {{reason}}',
    max_length: 'must be shorter than or equal to {{max}} characters',
    array_max_size: 'must contain no more than {{max}} elements',
    is_array: 'must be an array',
    matches: 'must match {{pattern}} regular expression',
    is_uuid: 'must be a UUID',
    invalid: 'is not valid',
  },

  // Sign-in requests (src/auth).
  rate_limited: {
    title: 'Too many requests',
    detail: 'Too many sign-in requests from this address. Wait a little, then go back to the site and try again.',
  },
  too_many_pending_requests: {
    title: 'Too many sign-in requests',
    detail: 'Too many unfinished sign-in requests from this address. Finish or abandon one, wait a little, then try again.',
  },
  request_expired: {
    title: 'Sign-in request expired',
    detail: 'This sign-in request is unknown or has expired. Go back to the site you were signing in to and start again.',
  },
  pending_request_too_large: {
    title: 'Sign-in request too large',
    detail: 'This sign-in request is too large to be kept while you sign in. Tell the site you came from.',
  },
  not_signed_in: { title: 'Not signed in', detail: 'Sign in first, then try again.' },
  identifier_form_not_served: {
    title: 'Not an identifier',
    detail: 'Identifiers have the form {base}/openid/{user}, without @domain: the domain is the host of the address.',
  },

  // Fetching a relying party's site (src/realm/safe-fetch.ts).
  fetch_refused: {
    title: 'The site could not be fetched',
    invalid_url: 'The address is not a valid absolute http or https URL.',
    scheme_not_allowed: 'Only https:// addresses (and http:// where the operator allows it) are fetched.',
    credentials_in_url: 'Addresses carrying a user name or password are not fetched.',
    private_address: 'The site resolves to an address that is not publicly reachable.',
    dns_error: "The site's host name could not be resolved.",
    network_error: 'The site could not be reached.',
    tls_error: "The site's TLS certificate could not be verified.",
    timeout: 'The site did not answer in time.',
    too_large: "The site's answer is too large.",
    too_many_redirects: 'The site redirected too many times.',
    bad_status: 'The site answered with an error status.',
    busy: 'Too many sites are being checked right now; try again in a moment.',
    rate_limited: 'Too many new sites were checked for this address; try again in a few minutes.',
  },

  // The XMPP server behind `accounts: xmpp` (src/xmpp/xmpp-errors.ts).
  xmpp_unavailable: {
    title: 'Sign-in service unavailable',
    detail: 'The chat server that checks passwords for this domain cannot be reached right now. Nothing was wrong with what you typed: please try again in a moment.',
  },

  // Accounts and profiles (src/users).
  unknown_user: { title: 'Unknown user', detail: 'There is no such account' },
  unknown_account: { title: 'Unknown account', detail: 'no account {{account}}' },
  user_exists: { title: 'Account exists', detail: '{{account}} already exists' },
  invalid_username: {
    title: 'Invalid username',
    detail: 'invalid username: {{reason}}',
    empty: 'it is empty',
    too_long: 'it is longer than {{max}} bytes',
    character: 'the character {{character}} is not allowed in a JID localpart',
    space_or_control: 'it contains a space, control or unassigned character',
  },
  invalid_password: {
    title: 'Unacceptable password',
    too_short: 'a password needs at least {{min}} characters',
    too_long: 'a password may have at most {{max}} characters',
  },
  xmpp_accounts: {
    title: 'Accounts managed by the XMPP server',
    detail:
      '{{domain}} has accounts: xmpp: its XMPP server checks the passwords, so there are no local passwords to set; every account of that server signs in with its XMPP password, no local account needed',
  },
  invalid_profile_field: {
    title: 'Invalid profile field',
    detail: '{{field}}: {{reason}}',
    empty: 'is empty',
    too_long: 'is longer than {{max}} characters',
    control: 'contains control characters',
    email: 'is not an e-mail address',
    dob_form: 'must be YYYY-MM-DD (use 00 for unknown parts)',
    dob_date: 'is not a calendar date',
    gender: 'must be M or F',
    country: 'must be an ISO 3166-1 alpha-2 code such as FR',
    language: 'must be an ISO 639 code such as en or en-GB',
    timezone: 'must be an IANA time zone such as Europe/Paris',
    phone_characters: 'may contain only digits, spaces, dots, dashes, parentheses and a leading +',
    phone_international: 'must be in international format: + and the country code, e.g. +33 1 23 45 67 89',
    phone_country_code: 'must start with + and the country code, which never starts with 0',
    phone_digits: 'must have 7 to 15 digits after the + (ITU-T E.164)',
    phone_invalid: 'is not a phone number in international format',
  },

  // /readyz (src/health).
  not_ready: {
    title: 'Not ready',
    database: 'The database is unreachable.',
    migrations: 'Database migrations are pending: {{migrations}}.',
  },
} satisfies Catalogue;
