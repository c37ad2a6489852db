// Protocol constants: namespace and type URIs, modes, association vocabularies, wire keys and
// limits. Wire keys (the unprefixed names of `openid.*` fields) appear only here and in the
// codecs; the rest of the code base refers to them through `Field`.

/** OpenID 2.0 §4.1.2: the value of `openid.ns` for an OpenID 2.0 message. */
export const NS_OPENID_2_0 = 'http://specs.openid.net/auth/2.0';
/** OpenID 2.0 §4.1.2: `openid.ns` values that select OpenID 1.1 compatibility mode (§14). */
export const NS_OPENID_1_0 = 'http://openid.net/signon/1.0';
export const NS_OPENID_1_1 = 'http://openid.net/signon/1.1';

/** Which protocol a message speaks: 2.0, or 1.0/1.1 compatibility (OpenID 2.0 §14). */
export type OpenIdVersion = '2.0' | '1.x';

/** OpenID 2.0 §7.3.1, §9.1: claimed_id/identity value asking the OP to choose the identifier. */
export const IDENTIFIER_SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

/** XRDS service types (OpenID 2.0 §7.3.2.1.1, §7.3.2.1.2, §7.3.2.4, §13, §14.2.1). */
export const ServiceType = {
  /** §7.3.2.1.1 OP Identifier Element. */
  opIdentifier: 'http://specs.openid.net/auth/2.0/server',
  /** §7.3.2.1.2 Claimed Identifier Element. */
  claimedIdentifier: 'http://specs.openid.net/auth/2.0/signon',
  /** §7.3.2.4 / §14.2.1: OpenID 1.x service elements. */
  signon1_1: 'http://openid.net/signon/1.1',
  signon1_0: 'http://openid.net/signon/1.0',
  server1_1: 'http://openid.net/server/1.1',
  server1_0: 'http://openid.net/server/1.0',
  /** §13 relying party return_to endpoint (used by return_to verification, §9.2.1). */
  rpReturnTo: 'http://specs.openid.net/auth/2.0/return_to',
  /** OpenID UI Extension 1.0 §6: a relying party's icon, in the RP's own XRDS. */
  rpIcon: 'http://specs.openid.net/extensions/ui/icon',
} as const;

/** Extension namespace URIs (OpenID 2.0 §12). */
export const NS_SREG_1_0 = 'http://openid.net/sreg/1.0';
export const NS_SREG_1_1 = 'http://openid.net/extensions/sreg/1.1';
export const NS_AX_1_0 = 'http://openid.net/srv/ax/1.0';
export const NS_PAPE_1_0 = 'http://specs.openid.net/extensions/pape/1.0';
/** OpenID User Interface Extension 1.0 (draft 0.5) §3. */
export const NS_UI_1_0 = 'http://specs.openid.net/extensions/ui/1.0';

/** OpenID UI Extension 1.0 §7: the Types an OP supporting each part lists in its XRDS Service. */
export const UiServiceType = {
  /** §4 openid.ui.lang. */
  langPref: 'http://specs.openid.net/extensions/ui/1.0/lang-pref',
  /** §5 openid.ui.mode=popup. */
  popup: 'http://specs.openid.net/extensions/ui/1.0/mode/popup',
  /** §6 openid.ui.icon (the OP's Type; the RP's icon Service is ServiceType.rpIcon). */
  icon: 'http://specs.openid.net/extensions/ui/1.0/icon',
} as const;

/**
 * OpenID 1.x compatibility: extension aliases that are understood without an `openid.ns.<alias>`
 * declaration. Simple Registration predates §12 namespaces and OpenID 1.x relying parties send
 * bare `openid.sreg.*` fields (SReg 1.0; SReg 1.1 keeps the `sreg` alias for 1.x messages).
 */
export const OPENID1_IMPLICIT_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  sreg: NS_SREG_1_0,
});

/** Values of `openid.mode` (OpenID 2.0 §8.1, §9.1, §10.1, §10.2, §11.4.2.1, §5.2.3). */
export const Mode = {
  associate: 'associate',
  checkidSetup: 'checkid_setup',
  checkidImmediate: 'checkid_immediate',
  checkAuthentication: 'check_authentication',
  idRes: 'id_res',
  setupNeeded: 'setup_needed',
  cancel: 'cancel',
  error: 'error',
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** OpenID 2.0 §8.3 association types. */
export const AssocType = {
  hmacSha1: 'HMAC-SHA1',
  hmacSha256: 'HMAC-SHA256',
} as const;
export type AssocType = (typeof AssocType)[keyof typeof AssocType];

/** OpenID 2.0 §8.4 association session types. */
export const SessionType = {
  noEncryption: 'no-encryption',
  dhSha1: 'DH-SHA1',
  dhSha256: 'DH-SHA256',
} as const;
export type SessionType = (typeof SessionType)[keyof typeof SessionType];

/**
 * OpenID 2.0 §8.1.2 / Appendix B: the default Diffie-Hellman modulus, a confirmed 1024-bit prime.
 */
export const DEFAULT_DH_MODULUS = BigInt(
  '0x' +
    'DCF93A0B883972EC0E19989AC5A2CE310E1D37717E8D9571BB7623731866E61E' +
    'F75A2E27898B057F9891C2E27A639C3F29B60814581CD3B2CA3986D268370557' +
    '7D45C2E7E52DC81C7A171876E5CEA74B1448BFDFAF18828EFD2519F14E45E382' +
    '6634AF1949E5B535CC829A483B8A76223E5D490A257F05BDFF16F2FB22C583AB',
);
/** OpenID 2.0 §8.1.2: default generator g = 2. */
export const DEFAULT_DH_GENERATOR = 2n;

/**
 * OpenID 1.1 Appendix D: a return_to URL, with the OP's arguments added, is at most 2,047 bytes.
 * OpenID 2.0 §5.2 lets the sender pick HTML form redirection (§5.2.2) instead of an HTTP
 * redirect (§5.2.1) depending on message size; we switch to the form above this limit.
 */
export const MAX_INDIRECT_URL_BYTES = 2047;

/** OpenID 2.0 §8.2.1 (assoc_handle) and §10.1 (response_nonce): at most 255 characters. */
export const MAX_HANDLE_LENGTH = 255;
export const MAX_NONCE_LENGTH = 255;

/** OpenID 2.0 §4.1.2: every key of an HTTP-encoded message carries this prefix. */
export const OPENID_PREFIX = 'openid.';

/** Unprefixed wire keys of the core namespace (OpenID 2.0 §4.1.2, §5, §8, §9, §10, §11, §14). */
export const Field = {
  ns: 'ns',
  mode: 'mode',
  error: 'error',
  errorCode: 'error_code',
  contact: 'contact',
  reference: 'reference',
  assocType: 'assoc_type',
  sessionType: 'session_type',
  dhModulus: 'dh_modulus',
  dhGen: 'dh_gen',
  dhConsumerPublic: 'dh_consumer_public',
  dhServerPublic: 'dh_server_public',
  encMacKey: 'enc_mac_key',
  macKey: 'mac_key',
  assocHandle: 'assoc_handle',
  expiresIn: 'expires_in',
  claimedId: 'claimed_id',
  identity: 'identity',
  returnTo: 'return_to',
  realm: 'realm',
  trustRoot: 'trust_root',
  opEndpoint: 'op_endpoint',
  responseNonce: 'response_nonce',
  invalidateHandle: 'invalidate_handle',
  signed: 'signed',
  sig: 'sig',
  isValid: 'is_valid',
  userSetupUrl: 'user_setup_url',
} as const;

/** Prefix of extension namespace declarations, `openid.ns.<alias>` (OpenID 2.0 §12). */
export const NS_ALIAS_PREFIX = 'ns.';

/** OpenID 2.0 §12: aliases an extension namespace MUST NOT use. */
export const RESERVED_ALIASES: ReadonlySet<string> = new Set([
  'assoc_handle',
  'assoc_type',
  'claimed_id',
  'contact',
  'delegate',
  'dh_consumer_public',
  'dh_gen',
  'dh_modulus',
  'error',
  'identity',
  'invalidate_handle',
  'mode',
  'ns',
  'op_endpoint',
  'openid',
  'realm',
  'reference',
  'response_nonce',
  'return_to',
  'server',
  'session_type',
  'sig',
  'signed',
  'trust_root',
]);
