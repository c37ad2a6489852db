import { ACR_VALUES, acrStepUp, type StepUpMeans } from '../auth/factors/assurance.js';
import { errors, interactionPolicy, type ClientMetadata, type Configuration, type FindAccount, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcConfig, SecurityConfig } from '../config/namespaces.js';
import type { BrandingView } from '../http/branding.js';
import type { OidcStorage } from './contracts.js';
import { OPENID2_ID_CLAIM, OPENID2_REALM_PARAM, OPENID2_SCOPE, requestsOpenid2, verifyOpenid2Request, withoutOpenid2Scope, type Openid2RealmPolicy, type Openid2RefusalReason } from './openid2-migration.js';
import { LANGUAGES } from '../i18n/languages.js';
import { pairwiseSubject } from '../protocol/pairwise.js';
import { oidcPages } from './oidc-pages.js';
import { INTERACTION_PATH, OIDC_ROUTES } from './paths.js';

// The oidc-provider configuration of one domain. Every option set here is one its documentation
// (node-oidc-provider docs/README.md) says to decide; the comment says why it has this value.

export interface ProviderSettings {
  oidc: OidcConfig;
  security: SecurityConfig;
  clients: ClientMetadata[];
  jwks: { keys: JWK[] };
  /** Signed-cookie keys, the active one first (KeyRing.derive). */
  cookieKeys: Buffer[];
  /** The HMAC key of pairwise subjects (src/protocol/pairwise.ts, shared with OpenID 2.0 private identifiers): the same on every instance and after every restart. */
  pairwiseKey: Buffer;
  storage: OidcStorage;
  findAccount: FindAccount;
  branding: BrandingView;
  /** The operator's realm rules (RealmPolicy), applied to openid2_realm as to openid.realm. */
  realmPolicy: Openid2RealmPolicy;
  /** An openid2_realm that earned no openid2_id, for the log (never an error: Migration §4.1). */
  openid2Refused: (reason: Openid2RefusalReason, detail: string) => void;
  /** Who our own session cookie (the one of OpenID 2.0) signs the request's browser in to, and when they signed in. */
  ourSession: (ctx: KoaContextWithOIDC) => Promise<{ accountId: string; authTime: Date; amr: readonly string[]; stepUpMeans: () => Promise<StepUpMeans> } | undefined>;
  /** The Grant of the person's "always allow" of a client (trust_grants), if any. */
  trustedGrantId: (accountId: string, clientId: string) => Promise<string | undefined>;
}

/**
 * oidc-provider's base policy (login, then consent), with one more login check first: its own
 * session (cookie _session) counts only while ours says the same person is signed in. A sign-out
 * on our pages, or another person's sign-in in this browser, ends it, so that prompt=none then
 * answers login_required (OpenID Connect Core 1.0 §3.1.2.6) as checkid_immediate would.
 */
function policy(ourSession: ProviderSettings['ourSession']) {
  const base = interactionPolicy.base();
  const { Check } = interactionPolicy;
  const login = base.get('login')!;
  login.checks.add(
    new Check('op_session_ended', 'End-User authentication is required', async (ctx) => {
      const theirs = ctx.oidc.session?.accountId;
      if (theirs === undefined) return Check.NO_NEED_TO_PROMPT; // no_session asks for the login
      return (await ourSession(ctx))?.accountId === theirs ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
    0,
  );
  // OpenID Connect Core 1.0 §3.1.2.1 acr_values (voluntary): none of them met by the session
  // (multi-factor asked of a one-factor sign-in, phishing-resistant of one without a passkey), and
  // the account can reach one (a second factor, a passkey), the login prompt comes back for the
  // step-up (the code page; interaction.service.ts), and prompt=none answers
  // interaction_required (§3.1.2.6). What the account cannot reach is not asked: its ID token
  // says the acr it has, truthfully, and the client decides (§5.5.1.1; no prompt, no loop).
  login.checks.add(
    new Check('op_acr_not_met', 'a stronger sign-in is requested', 'interaction_required', async (ctx) => {
      if (ctx.oidc.session?.accountId === undefined) return Check.NO_NEED_TO_PROMPT;
      // This interaction just finished with a login (as oidc-provider's own max_age check reads
      // it): the step-up was decided there (interaction.service.ts), a passkey declined included;
      // asking again would loop. (A consent interaction in between finishes without the login,
      // mergeWithLastSubmission false, so after it the passkey is asked once more: a decline is
      // not remembered across interactions yet.)
      if (ctx.oidc.result?.['login'] !== undefined) return Check.NO_NEED_TO_PROMPT;
      const requested = String(ctx.oidc.params?.['acr_values'] ?? '').split(' ').filter(Boolean);
      const ours = await ourSession(ctx);
      if (ours === undefined || acrStepUp(requested, ours.amr, { factor: true, passkey: true }) === undefined) return Check.NO_NEED_TO_PROMPT;
      return acrStepUp(requested, ours.amr, await ours.stepUpMeans()) !== undefined ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  // OpenID Connect Core 1.0 §3.1.2.1 max_age is checked by oidc-provider in whole seconds and,
  // at the interaction, in milliseconds of our session's sign-in (interaction.service.ts);
  // max_age=0 is prompt=login there (oidc-provider's checkMaxAge).
  return base;
}

/**
 * oidc-provider's cookie names, prefixed as ours are (src/http/cookies.ts; RFC 6265bis §4.1.3):
 * the session cookie (Path=/) is `__Host-` (Secure, no Domain: a sibling subdomain cannot plant
 * or overwrite it); the interaction and resume cookies are scoped by oidc-provider to the paths
 * of one interaction, which `__Host-` forbids, so they are `__Secure-`. Plain names only where
 * the operator allowed plain HTTP (security.https_only: false, local experiments), since
 * browsers refuse prefixed cookies without Secure.
 */
function cookieNames(httpsOnly: boolean): { session: string; interaction: string; resume: string } {
  if (!httpsOnly) return { session: 'op-oidc-session', interaction: 'op-oidc-interaction', resume: 'op-oidc-resume' };
  return { session: '__Host-op-oidc-session', interaction: '__Secure-op-oidc-interaction', resume: '__Secure-op-oidc-resume' };
}

export function providerConfiguration(s: ProviderSettings): Configuration {
  const { lifetimes } = s.oidc;
  const pages = oidcPages(s.branding);
  const storage = s.storage;
  const configuredIds = new Set(s.clients.map((c) => c.client_id));
  return {
    clients: s.clients,
    // oidc-provider calls `new adapter(model)`: a plain function returning the object is a
    // constructor whose result is that object.
    adapter: function adapterFor(model: string) {
      return storage.adapterFor(model);
    } as unknown as Configuration['adapter'],
    jwks: s.jwks,
    findAccount: s.findAccount,
    // Its signed cookies (interaction, session) verify under every key of the list; keys come from
    // the operator key file, so every instance on one database accepts the others' cookies.
    cookies: { keys: s.cookieKeys.map((k) => k.toString('base64url')), names: cookieNames(s.security.https_only) },
    routes: OIDC_ROUTES,
    // OpenID Connect Core 1.0 §8: discovery lists pairwise (subject_types_supported) only where a
    // client of this domain asks for it.
    subjectTypes: s.clients.some((c) => c.subject_type === 'pairwise') ? ['public', 'pairwise'] : ['public'],
    // oidc-provider calls it for the ID token, userinfo and the id_token_hint checks of a pairwise
    // client; everything else (grants, trust_grants, sessions, findAccount) keeps the account id.
    pairwiseIdentifier: (_ctx, accountId, client) => {
      // Set for every pairwise client (client_schema: sector_identifier_uri or the redirect host).
      const sector: unknown = client.sectorIdentifier;
      if (typeof sector !== 'string') throw new Error(`pairwise client ${client.clientId} has no sector identifier`);
      return pairwiseSubject(s.pairwiseKey, sector, accountId);
    },
    // OpenID Connect Core 1.0 §8.1 has the OP fetch sector_identifier_uri and check that it lists
    // every redirect URI: that guards against a *registering* client claiming another's sector.
    // Our clients are not registered by strangers but written in the config by the operator, who
    // vouches for the sector they name; fetching it would make sign-in depend on that host
    // answering (oidc-provider fetches at a client's first use, outside our SSRF-guarded
    // SafeFetch) for no check the operator has not made. So its host is the sector, unfetched.
    // A client of dynamic registration (a stranger) still gets oidc-provider's §8.1 fetch and check.
    sectorIdentifierUriValidate: (client) => !configuredIds.has(client.clientId),
    // RFC 9700 §2.1.2: no implicit grant, no hybrid flow (tokens in the front channel). Only the
    // authorization code flow.
    responseTypes: ['code'],
    // OpenID Connect Discovery 1.0 §3 ui_locales_supported: the languages of our pages, which a
    // client's ui_locales (Core 1.0 §3.1.2.1) picks among (oidc-pages.ts uiLocales).
    discovery: { claim_types_supported: ['normal'], ui_locales_supported: [...LANGUAGES] },
    // RFC 9700 §2.1.1: PKCE for every client, public or confidential; oidc-provider 9 accepts only
    // S256 (RFC 7636 §4.2; `plain` is refused with invalid_request).
    pkce: { required: () => true },
    // OpenID Connect Core 1.0 §5.4 scopes.
    // `openid2`: OpenID 2.0 to OpenID Connect Migration 1.0 §2, the OpenID 2.0 Identifier.
    scopes: ['openid', 'offline_access', 'profile', 'email', 'address', OPENID2_SCOPE],
    // OpenID Connect Core 1.0 §5.4: the claims each scope asks for, from the same profile fields as
    // SReg/AX (src/users/profile.ts). email_verified is absent: nothing verifies the address.
    // phone_number_verified is listed: always false (§5.1 "otherwise false"; nothing verifies the
    // number), sent beside phone_number only (claims.ts).
    claims: {
      // Standalone claims (oidc-provider's defaults, restated since `claims` replaces them): sid
      // (the session, for logout), iss (RFC 9207); acr: the PAPE policy URI this sign-in met.
      acr: null,
      auth_time: null,
      amr: null,
      sid: null,
      iss: null,
      // Every ID token says when (auth_time, Core §2: our session's sign-in time) and how (amr:
      // pwd or xmpp, then otp and mfa after a second factor; acr: none or multi-factor) the person
      // signed in, as PAPE's auth_time and auth_policies always do; oidc-provider would add them
      // only when asked (max_age, prompt=login, the claims parameter). Userinfo has neither.
      // Migration §4: openid2_id in the ID token. With conformIdTokenClaims (the default) a
      // code-flow ID token carries only the `openid` scope's claims, so it is listed here;
      // findAccount answers it only while the granted scope holds `openid2` (accounts.ts).
      openid: ['sub', 'acr', 'auth_time', 'amr', OPENID2_ID_CLAIM],
      profile: ['name', 'nickname', 'birthdate', 'gender', 'locale', 'zoneinfo'],
      email: ['email'],
      address: ['address'],
      phone: ['phone_number', 'phone_number_verified'],
    },
    // OpenID Connect Core 1.0 §2 acr, advertised as acr_values_supported (Discovery 1.0 §3): the
    // PAPE 1.0 §4 policy URIs, so that both protocols name an assurance alike (src/auth/factors/assurance.ts).
    acrValues: [...ACR_VALUES],
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`, policy: policy(s.ourSession) },
    features: {
      // Its development login pages would accept any username: never.
      devInteractions: { enabled: false },
      // OpenID Connect Dynamic Client Registration 1.0: open to anyone, so off unless configured.
      registration: { enabled: s.oidc.registration.enabled },
      // RFC 7009. RFC 7009 §2.1: the server "first validates the client credentials" and that the
      // token "was issued to the client making the revocation request": a client revokes only its
      // own tokens. Another client's token is refused; for a public client (no authentication to
      // trust) it is silently not revoked, as §2.2 allows (oidc-provider's own default, decided).
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      // OpenID Connect Core 1.0 §5.3.
      userinfo: { enabled: true },
      // OpenID Connect RP-Initiated Logout 1.0, its pages drawn by ours.
      rpInitiatedLogout: { enabled: true, logoutSource: pages.logoutSource, postLogoutSuccessSource: pages.postLogoutSuccessSource },
      // Introspection (RFC 7662) has no resource server here to use it.
      introspection: { enabled: false },
    },
    // Refresh tokens only when the client asked for offline_access and the person consented to it:
    // the code's scope is the granted one (OpenID Connect Core 1.0 §11).
    issueRefreshToken: (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    // RFC 9700 §4.14.2: rotate on every use, so that a stolen refresh token used once by the
    // thief is noticed at the next legitimate use (oidc-provider then revokes the whole grant).
    rotateRefreshToken: () => true,
    ttl: {
      AuthorizationCode: lifetimes.code,
      AccessToken: lifetimes.access_token,
      IdToken: lifetimes.id_token,
      RefreshToken: lifetimes.refresh_token,
      Interaction: lifetimes.interaction,
      // As long as one of our login sessions may last (security.session), and no longer.
      Session: Math.max(s.security.session.absolute_timeout, s.security.session.remember_me_timeout),
      Grant: lifetimes.refresh_token,
    },
    // Cross-origin calls from a browser (a single-page app: a public client) only from the origin of
    // one of its own redirect URIs, and only to the endpoints a browser app needs; oidc-provider's
    // own default, written out because it asks for the decision.
    clientBasedCORS: (ctx: KoaContextWithOIDC, origin: string, client) => {
      if (origin === 'null') return false;
      if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false;
      return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
    },
    // Which consent covers a request: the one just given on the consent page, or an "always allow"
    // (trust_grants, like OpenID 2.0's). Not the provider session's earlier grants: "allow once"
    // answers one request, as it does for OpenID 2.0, so the next one asks again (and prompt=none
    // answers consent_required, OpenID Connect Core 1.0 §3.1.2.6, as checkid_immediate would).
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client;
      const accountId = ctx.oidc.session?.accountId;
      const grantId = (ctx.oidc.result?.['consent'] as { grantId?: string } | undefined)?.grantId ?? (client && accountId ? await s.trustedGrantId(accountId, client.clientId) : undefined);
      if (grantId === undefined) return undefined;
      const grant = await ctx.oidc.provider.Grant.find(grantId);
      // A grant of another person or client is none of this request's business.
      return grant !== undefined && grant.accountId === accountId && grant.clientId === client?.clientId ? grant : undefined;
    },
    // Errors that cannot go back to a verified redirect_uri, for people: our error page.
    renderError: pages.renderError,
    extraParams: {
      // OpenID 2.0 to OpenID Connect Migration 1.0 §2-§3, run at the authorization endpoint once
      // redirect_uri and scope are checked. The RP asks with the scope `openid2` and its old
      // realm in `openid2_realm` (§2). Our public contract (DESIGN.md) also honours
      // `openid2_realm` alone: a verified realm adds the `openid2` scope, so the consent page
      // lists it (§9.1) and the grant records it. A realm that fails §3 takes the scope away
      // (no claim, §4; no error, §4.1), as oidc-provider's own check drops offline_access.
      [OPENID2_REALM_PARAM](ctx: KoaContextWithOIDC, value: string | undefined) {
        const params = ctx.oidc.params as Record<string, string | undefined>;
        const scope = params['scope'];
        if (value === undefined && !requestsOpenid2(scope)) return;
        const asked = requestsOpenid2(scope) ? scope : `${scope ?? ''} ${OPENID2_SCOPE}`.trim();
        const decision = verifyOpenid2Request({ scope: asked, realm: value, redirectUri: params['redirect_uri'], policy: s.realmPolicy });
        if (decision.kind === 'verified') params['scope'] = asked;
        else {
          if (decision.kind === 'refused') s.openid2Refused(decision.reason, decision.detail);
          params['scope'] = withoutOpenid2Scope(scope);
        }
      },
    },
  };
}
