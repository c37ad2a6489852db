import { Injectable } from '@nestjs/common';
import type { DomainConfig } from '../../config/config.schema.js';
import { uiLocales } from '../oidc-pages.js';
import { OidcProviders } from '../oidc-providers.js';

/** The application an OpenID Connect sign-in continues to, as people are shown it. */
export interface SignInApplication {
  clientId: string;
  /** The registered client_name, else the client_id. */
  name: string;
  /** The origin of the request's redirect_uri (checked by oidc-provider against the registration). */
  origin: string;
  /**
   * OpenID Connect Core 1.0 §3.1.2.1 ui_locales of the request: the languages of the sign-in pages
   * before the interaction (the login, code and waiting pages), as of the consent page after it.
   */
  languages?: readonly string[] | undefined;
}

/**
 * Names the application of a pending interaction for the pages and messages of the sign-in
 * that come before the interaction itself (the login page, the chat app's confirm request and the
 * waiting page), as the realm is named for OpenID 2.0: people see where they are signing in to
 * before they prove their account.
 *
 * The uid comes from a link (`/login?interaction=`), so anyone can make the login page name any
 * registered client: it only ever shows a registered client's own name and redirect origin, and
 * the sign-in ends at the interaction, which oidc-provider binds to the browser that started it
 * (its interaction cookie).
 */
@Injectable()
export class OidcSignInTargets {
  constructor(private readonly providers: OidcProviders) {}

  /** The application of interaction `uid` on `domain`; undefined once it expired or if it is not one of ours. */
  async describe(domain: DomainConfig, uid: string): Promise<SignInApplication | undefined> {
    const provider = await this.providers.forDomain(domain);
    const interaction = await provider.Interaction.find(uid);
    if (interaction === undefined) return undefined;
    const clientId = interaction.params['client_id'];
    if (typeof clientId !== 'string') return undefined;
    const client = await provider.Client.find(clientId);
    if (client === undefined) return undefined;
    const redirectUri = URL.parse(String(interaction.params['redirect_uri']));
    if (redirectUri === null) return undefined;
    return { clientId, name: client.clientName ?? clientId, origin: redirectUri.origin, languages: uiLocales(interaction.params['ui_locales']) };
  }
}
