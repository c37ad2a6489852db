import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { DomainConfig } from '../config/config.schema.js';
import { realmConfig } from '../config/namespaces.js';
import { NS_AX_1_0, NS_PAPE_1_0, NS_SREG_1_0, NS_SREG_1_1, UiServiceType } from '../protocol/consts.js';
import { Branding } from '../http/branding.js';
import { renderPage, type LocalizedBody } from '../http/pages.js';
import { RecentCache } from '../common/recent-cache.js';
import type { FoundPrivateIdentifier } from '../realm/private-identifier.entity.js';
import { PrivateIdentifiersService } from '../realm/private-identifiers.service.js';
import { AccountChanges } from '../users/account-changes.js';
import { UsersService } from '../users/users.service.js';
import type { User } from '../users/user.entity.js';
import { tryNormalizeUsername } from '../users/username.js';
import { identityPage, privateIdentityPage, providerPage, type IdentityLinks } from './identity-page.js';
import { issuerJson, wantsIssuerJson } from './issuer.js';
import { identifierUrl, opEndpointUrl, opIdentifierXrdsUrl, privateIdentifierUrl, privateXrdsUrl, xrdsUrl } from './urls.js';
import { identifierXrds, opIdentifierXrds, wantsXrds } from './xrds.js';

/** The account an identifier names: its row, or null before an XMPP account's first sign-in. */
export interface DiscoveredAccount {
  readonly username: string;
  readonly user: User | null;
}

export interface DiscoveryDocument {
  contentType: string;
  /** The bytes, or an HTML page rendered in the reader's locale when sent (pages.ts sendDocument). */
  body: string | Buffer | LocalizedBody;
  headers: Record<string, string>;
}

/**
 * Extensions the provider answers, advertised in every service (SReg 1.1 §1.2 / AX 1.0 §3 / PAPE
 * 1.0 §4: listing the Type URI in the XRDS lets an RP know before it asks).
 */
const EXTENSION_TYPES = [NS_SREG_1_1, NS_SREG_1_0, NS_AX_1_0, NS_PAPE_1_0];

/**
 * OpenID UI Extension 1.0 §7: an OP supporting the popup mode (§5) and the language preference
 * (§4) lists their Types in its XRDS Service; the icon Type (§6) only where RP icons are fetched
 * (`realm.icons.enabled`, and relying-party discovery not `off`: the icon is found by it).
 */
export function uiExtensionTypes(realm: Pick<ConfigType<typeof realmConfig>, 'return_to_verification' | 'icons'>): string[] {
  const types: string[] = [UiServiceType.popup, UiServiceType.langPref];
  if (realm.icons.enabled && realm.return_to_verification !== 'off') types.push(UiServiceType.icon);
  return types;
}

// Yadis 1.0 §6.2.4: the document a Yadis request asked for is application/xrds+xml. Exactly the media type, no parameters (Yadis 1.0 §6.2.4-6.2.5): some RP libraries compare the
// header byte for byte and fall back to HTML discovery otherwise. XRDS is XML and says UTF-8 itself.
const XRDS_TYPE = 'application/xrds+xml';
/** Discovery documents are public and change rarely; negotiated ones vary by Accept. */
const PUBLIC_CACHE = { 'cache-control': 'public, max-age=300', vary: 'Accept' };
/** Identifier XRDS documents kept built (DiscoveryService.xrdsBytes): about 1 KB each. */
const XRDS_KEPT = 10_000;

/** Identifier and OP identifier discovery (OpenID 2.0 §7.3): XRDS, or HTML with links. */
/** How long a discovered account (or its absence) is remembered, and how many are. */
const ACCOUNT_TTL_MS = 1000;
const ACCOUNT_CACHE_SIZE = 10_000;

@Injectable()
export class DiscoveryService {
  private readonly xrdsKept = new Map<string, Buffer>();

  constructor(
    private readonly users: UsersService,
    private readonly branding: Branding,
    private readonly privateIdentifiers: PrivateIdentifiersService,
    accountChanges: AccountChanges,
    @Inject(realmConfig.KEY) realm: ConfigType<typeof realmConfig>,
  ) {
    this.extensionTypes = [...EXTENSION_TYPES, ...uiExtensionTypes(realm)];
    // An account created, changed or removed here is answered afresh at once (its private
    // identifiers are not keyed by name: those of the whole domain are forgotten, changes are rare).
    accountChanges.subscribe(({ domain, username }) => {
      this.recent.deleteWhere((_account, key) => key.startsWith(`${domain}\n`) && tryNormalizeUsername(key.slice(domain.length + 1)) === username);
      this.recentPrivate.deleteWhere((_found, key) => key.startsWith(`${domain}\n`));
    });
  }

  /**
   * The account behind `{base}/openid/{user}`, or undefined for an unknown, malformed or disabled
   * one: exactly one database lookup in every case, so timing says little about which exist.
   *
   * On an `accounts: xmpp` domain the XMPP server, not our table, knows the accounts: every valid
   * JID localpart (RFC 6122 §2.3 nodeprep, as username.ts approximates it) is answered, with its
   * row when that person has signed in before (`user` null otherwise), so that an RP can discover
   * the identifier before the first sign-in and the answer is alike for every name. A row disabled
   * here is answered too (refused at sign-in): a 404 would single it out among all the names.
   */
  async findAccount(domain: DomainConfig, rawUsername: string): Promise<DiscoveredAccount | undefined> {
    // Relying parties fetch an identifier many times around a sign-in (Yadis HEAD/GET, HTML then
    // XRDS): the answer is kept for a second, found or not, in every process; a removed or
    // disabled account stops being discovered within that second everywhere.
    return this.recent.load(`${domain.name}\n${rawUsername}`, () => this.lookUp(domain, rawUsername));
  }

  /** SReg, AX, PAPE and the UI extension's Types, in every service. */
  private readonly extensionTypes: readonly string[];

  private readonly recent = new RecentCache<DiscoveredAccount | undefined>(ACCOUNT_TTL_MS, ACCOUNT_CACHE_SIZE);

  private async lookUp(domain: DomainConfig, rawUsername: string): Promise<DiscoveredAccount | undefined> {
    const user = await this.users.find(domain.name, rawUsername);
    if (domain.accounts === 'xmpp') {
      const username = tryNormalizeUsername(rawUsername);
      return username === undefined ? undefined : { username, user };
    }
    return user && !user.disabled ? { username: user.username, user } : undefined;
  }

  /**
   * The private identifier `{base}/openid/p/{opaque}`, or undefined for an unknown or malformed
   * one, or one whose account is disabled on a domain of local accounts (as findAccount). Kept
   * for a second, found or not, like the accounts: an RP discovers it around every sign-in.
   */
  async findPrivate(domain: DomainConfig, opaque: string): Promise<FoundPrivateIdentifier | undefined> {
    const key = `${domain.name}\n${opaque}`;
    const cached = this.recentPrivate.lookup(key);
    if (cached !== undefined) return cached.value;
    const found = await this.privateIdentifiers.find(domain.name, opaque);
    const answered = found && (domain.accounts === 'xmpp' || !found.disabled) ? found : undefined;
    this.recentPrivate.set(key, answered);
    return answered;
  }

  private readonly recentPrivate = new RecentCache<FoundPrivateIdentifier | undefined>(ACCOUNT_TTL_MS, ACCOUNT_CACHE_SIZE);

  /** Whether a request for an identifier asks for its XRDS (Yadis §6.2.4, or our X-XRDS-Location). */
  wantsXrds(accept: string | undefined, forceXrds: boolean): boolean {
    return forceXrds || wantsXrds(accept);
  }

  /** Whether a request for an identifier asks for its issuer as JSON (OpenID 2.0 to Connect Migration §6). */
  wantsIssuer(accept: string | undefined, forceXrds: boolean): boolean {
    return wantsIssuerJson(accept, forceXrds);
  }

  /**
   * `{"iss": "{base}"}` for the identifier of any account of the domain (Migration §2, §6). RFC 8259
   * §11: application/json takes no charset parameter (JSON text is UTF-8); the same for every
   * account and every visitor, so cacheable like the XRDS and varying by Accept only.
   */
  issuerDocument(domain: DomainConfig): DiscoveryDocument {
    return { contentType: 'application/json', body: issuerJson(domain), headers: PUBLIC_CACHE };
  }

  links(domain: DomainConfig, username: string): IdentityLinks {
    return { endpoint: opEndpointUrl(domain), identifier: identifierUrl(domain, username), xrdsUrl: xrdsUrl(domain, username) };
  }

  /**
   * An identifier's XRDS, as bytes: a function of the endpoint, the identifier and the extension
   * types (fixed at start-up) only, so it is built once per identifier and kept, at most
   * XRDS_KEPT of them (all dropped when full). Whether the identifier exists is decided before,
   * on every request (findAccount, findPrivate): a kept document is never an answer by itself.
   */
  private xrdsBytes(endpoint: string, identifier: string): Buffer {
    const key = `${endpoint} ${identifier}`;
    let bytes = this.xrdsKept.get(key);
    if (!bytes) {
      if (this.xrdsKept.size >= XRDS_KEPT) this.xrdsKept.clear();
      bytes = Buffer.from(identifierXrds(endpoint, identifier, this.extensionTypes), 'utf8');
      this.xrdsKept.set(key, bytes);
    }
    return bytes;
  }

  identifierDocument(domain: DomainConfig, username: string, xrds: boolean): DiscoveryDocument {
    const endpoint = opEndpointUrl(domain);
    const identifier = identifierUrl(domain, username);
    const location = xrdsUrl(domain, username);
    if (xrds) return { contentType: XRDS_TYPE, body: this.xrdsBytes(endpoint, identifier), headers: PUBLIC_CACHE };
    return {
      contentType: 'text/html; charset=utf-8',
      // The switcher comes back to the identifier's canonical address, not to the one asked for
      // (another case of the name): the page is the same for every spelling of an account.
      body: (locale, back) => renderPage(identityPage(`${username}@${domain.name}`, { endpoint, identifier, xrdsUrl: location }), this.branding, locale, canonicalPath(back, identifier)),
      // Yadis 1.0 §6.2.5: the HTML answer points at the XRDS. The page differs for its signed-in
      // owner, so shared caches key it on the cookie too.
      headers: { ...PUBLIC_CACHE, vary: 'Accept, Accept-Language, Cookie', 'x-xrds-location': location },
    };
  }

  /**
   * A private identifier's documents: the same XRDS services and HTML links as a claimed
   * identifier's (OpenID 2.0 §7.3.2.1.2, §7.3.3, §14.2.1), the identifier being its own OP-local
   * identifier, and nothing that names the account (no name, no vCard, no link to its page).
   * The same for every visitor, so the HTML varies by Accept only.
   */
  privateIdentifierDocument(domain: DomainConfig, opaque: string, xrds: boolean): DiscoveryDocument {
    const endpoint = opEndpointUrl(domain);
    const identifier = privateIdentifierUrl(domain, opaque);
    const location = privateXrdsUrl(domain, opaque);
    if (xrds) return { contentType: XRDS_TYPE, body: this.xrdsBytes(endpoint, identifier), headers: PUBLIC_CACHE };
    return {
      contentType: 'text/html; charset=utf-8',
      body: (locale, back) => renderPage(privateIdentityPage({ endpoint, identifier, xrdsUrl: location }), this.branding, locale, canonicalPath(back, identifier)),
      headers: { ...PUBLIC_CACHE, vary: 'Accept, Accept-Language, Cookie', 'x-xrds-location': location },
    };
  }

  /** `{base}/openid` without an OpenID message: the OP identifier (§7.3.2.1.1). */
  opIdentifierDocument(domain: DomainConfig, accept: string | undefined, forceXrds: boolean): DiscoveryDocument {
    const endpoint = opEndpointUrl(domain);
    if (forceXrds || wantsXrds(accept)) return { contentType: XRDS_TYPE, body: opIdentifierXrds(endpoint, this.extensionTypes), headers: PUBLIC_CACHE };
    const location = opIdentifierXrdsUrl(domain);
    return {
      contentType: 'text/html; charset=utf-8',
      body: (locale, back) => renderPage(providerPage(domain.name, { endpoint, xrdsUrl: location }), this.branding, locale, canonicalPath(back, endpoint)),
      headers: { ...PUBLIC_CACHE, vary: 'Accept, Accept-Language, Cookie', 'x-xrds-location': location },
    };
  }
}

/**
 * Where a discovery page's language switcher leads back to: the document's own canonical URL
 * (its path: {base} is an origin), wherever the page was shown (undefined: no switcher).
 */
function canonicalPath(back: string | undefined, canonical: string): string | undefined {
  return back === undefined ? undefined : new URL(canonical).pathname;
}
