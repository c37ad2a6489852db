import { SecondFactorService } from '../auth/factors/second-factor.service.js';
import { PasskeyService } from '../auth/factors/passkey.service.js';
import type { StepUpMeans } from '../auth/factors/assurance.js';
import type { User } from '../users/user.entity.js';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import Provider, { type JWK } from 'oidc-provider';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '../common/tokens.js';
import type { DomainConfig } from '../config/config.schema.js';
import { oidcConfig, securityConfig, type OidcConfig, type SecurityConfig } from '../config/namespaces.js';
import { Branding } from '../http/branding.js';
import { KeyRing } from '../secrets/key-ring.js';
import { pairwiseKey } from '../secrets/pairwise-key.js';
import { UsersService } from '../users/users.service.js';
import { ProfileSource } from '../sreg/profile-source.js';
import { TrustGrantsService } from '../realm/trust-grants.service.js';
import { SessionService } from '../auth/session/session.service.js';
import { clearedSessionCookie, readSessionToken } from '../auth/session/session-cookies.js';
import { RealmPolicy } from '../realm/realm-policy.service.js';
import { findAccountOf } from './accounts.js';
import { heldRuntimeWarning } from './runtime-warning.js';
import { OidcSigningKeys, OidcStorage } from './contracts.js';
import { fastifyRequestOf, requestIdOf } from './koa-request.js';
import { notFoundAnswer } from './oidc-pages.js';
import { clientsOf, loadClients, type LoadedClient } from './oidc-clients.js';
import { providerConfiguration } from './provider-configuration.js';

/** The token models oidc-provider ties to a Grant (lib/adapters/memory_adapter.js `grantable`). */
const GRANT_MODELS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'] as const;

interface Built {
  provider: Provider;
  /** The signing key set, cookie key and pairwise key it was built with: a change rebuilds it. */
  version: string;
}

/**
 * One oidc-provider instance per configured domain (issuer = the domain's base_url), built on
 * first use and rebuilt when the signing keys (OidcSigningKeys fingerprint) or the operator keys
 * (the active one: cookie keys; the oldest one: pairwise subjects) change.
 */
@Injectable()
export class OidcProviders implements OnModuleInit {
  private clients: LoadedClient[] = [];
  private readonly built = new Map<string, Promise<Built>>();

  constructor(
    @Inject(oidcConfig.KEY) private readonly oidc: OidcConfig,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly storage: OidcStorage,
    private readonly keys: OidcSigningKeys,
    private readonly keyRing: KeyRing,
    private readonly users: UsersService,
    private readonly branding: Branding,
    private readonly sessions: SessionService,
    private readonly profiles: ProfileSource,
    private readonly trust: TrustGrantsService,
    private readonly realmPolicy: RealmPolicy,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
  ) {}

  /** What an account could still prove for an acr_values step-up: a second factor, a passkey among them. */
  private async stepUpMeans(user: User): Promise<StepUpMeans> {
    const factor = await this.factors.enrolled(user);
    return { factor, passkey: factor && (await this.passkeys.hasAny(user)) };
  }

  /** Start-up: the client secret files are read now, so that a missing one stops the start. */
  async onModuleInit(): Promise<void> {
    const runtime = heldRuntimeWarning();
    if (runtime !== undefined) this.logger.warn({ node: process.version, library: runtime }, 'oidc-provider asks for Node.js 22 LTS or later; it runs on this one, but upgrade Node.js');
    this.clients = await loadClients(this.oidc.clients);
    // Revoking an "always allow" of a client (identity page, bot) ends its Grant and every token
    // issued under it (access, refresh, codes not yet used): oidc-provider's revokeByGrantId.
    this.trust.onRevoked(async (grant) => {
      if (grant.kind !== 'oidc' || grant.oidcGrantId === null) return;
      await this.endGrant(grant.oidcGrantId);
    });
  }

  /** Ends an oidc-provider Grant and every token issued under it (access, refresh, codes not yet used). */
  async endGrant(grantId: string): Promise<void> {
    for (const model of GRANT_MODELS) await this.storage.adapterFor(model).revokeByGrantId?.(grantId);
    await this.storage.adapterFor('Grant').destroy(grantId);
  }

  /** The registered clients (for the CLI): their configuration, never their secrets. */
  registeredClients(): readonly LoadedClient['config'][] {
    return this.oidc.clients;
  }

  /** The provider of `domain`, current with the signing keys. */
  async forDomain(domain: DomainConfig): Promise<Provider> {
    const keys = await this.keys.current();
    // The oldest operator key too: the pairwise key comes from it (build), so its removal rebuilds.
    const version = `${keys.fingerprint} ${this.keyRing.activeId} ${this.keyRing.list()[0]!.id}`;
    let entry = this.built.get(domain.name);
    if (entry !== undefined) {
      const built = await entry.catch(() => undefined);
      if (built?.version === version) return built.provider;
    }
    entry = this.build(domain, version, keys.jwks);
    this.built.set(domain.name, entry);
    entry.catch(() => this.built.delete(domain.name));
    return (await entry).provider;
  }

  private async build(domain: DomainConfig, version: string, jwks: { keys: JWK[] }): Promise<Built> {
    const configuration = providerConfiguration({
      oidc: this.oidc,
      security: this.security,
      clients: clientsOf(domain, this.clients),
      jwks,
      cookieKeys: this.keyRing.derive('oidc cookies'),
      // From the oldest operator key, the one every rotation keeps (src/secrets/pairwise-key.ts).
      pairwiseKey: pairwiseKey(this.keyRing),
      storage: this.storage,
      findAccount: findAccountOf(domain, this.users, this.profiles),
      branding: this.branding,
      trustedGrantId: (accountId, clientId) => this.trust.oidcGrantFor(accountId, clientId),
      realmPolicy: this.realmPolicy,
      // The detail quotes the RP's values, cut short (openid2-migration.ts); never a secret.
      openid2Refused: (reason, detail) => this.logger.info({ domain: domain.name, reason, detail }, 'openid2_realm refused: no openid2_id (OpenID 2.0 to Connect Migration §3)'),
      ourSession: async (ctx) => {
        const request = fastifyRequestOf(ctx.req);
        const active = request === undefined ? undefined : await this.sessions.resolve(readSessionToken(request));
        if (active === undefined || active.user.domain !== domain.name || active.user.disabled) return undefined;
        return { accountId: active.user.id, authTime: active.session.authTime, amr: active.session.amr, stepUpMeans: () => this.stepUpMeans(active.user) };
      },
    });
    const provider = new Provider(domain.base_url, configuration);
    // Koa reads X-Forwarded-Proto/-Host/-For only with `proxy`; the mount (oidc-mount.ts) sets
    // those headers itself from what our pipeline decided (trusted proxies only), having dropped
    // whatever the client sent.
    provider.proxy = true;
    provider.use(notFoundAnswer(this.branding));
    // OpenID Connect RP-Initiated Logout 1.0 §2: the RP asks the OP to log the End-User out, and
    // the OP's login is our session (the one OpenID 2.0 and the identity page share): confirming
    // the sign-out on the logout page ends it too, not only oidc-provider's own session. A person
    // who answers "No, stay signed in" keeps both.
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.oidc?.route !== 'end_session_confirm' || ctx.status >= 400) return;
      const body = ctx.oidc.body as Record<string, unknown> | undefined;
      if (!body?.['logout']) return;
      const request = fastifyRequestOf(ctx.req);
      if (request === undefined) return;
      await this.sessions.revoke(readSessionToken(request));
      ctx.append('set-cookie', clearedSessionCookie(request));
    });
    provider.on('server_error', (ctx, error) => {
      this.logger.error({ reqId: requestIdOf(ctx.req), err: error, domain: domain.name }, 'oidc: server error');
    });
    this.logger.debug({ domain: domain.name, clients: configuration.clients?.length ?? 0 }, 'oidc: provider built');
    return { provider, version };
  }
}
