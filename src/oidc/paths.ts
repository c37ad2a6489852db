// The paths of OpenID Connect, under /oidc/ beside the OpenID 2.0 endpoint /openid.

/** Our paths (DESIGN.md: "as listed in the discovery document"), all under /oidc/. */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/me',
  jwks: '/oidc/jwks',
  revocation: '/oidc/token/revocation',
  end_session: '/oidc/session/end',
  registration: '/oidc/reg',
} as const;

/** Where oidc-provider sends the browser for the login and consent prompts: our own route. */
export const INTERACTION_PATH = '/oidc/interaction';

/**
 * The query of the interaction address after a step-up that asked for a passkey and got a code:
 * the person declined the passkey for this interaction (interaction.service.ts asks no more).
 */
export const PASSKEY_DECLINED_QUERY = 'passkey=declined';
