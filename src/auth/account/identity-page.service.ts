import { Injectable, NotFoundException } from '@nestjs/common';
import type { DomainConfig } from '../../config/config.schema.js';
import { type DiscoveryDocument, DiscoveryService } from '../../discovery/discovery.service.js';
import { NotFound } from '../../http/app-error.js';
import { text } from '../../i18n/locale.js';
import { PROFILE_HINTS, PROFILE_LABELS } from '../../users/profile.js';
import { PROFILE_FIELDS } from '../../users/user.entity.js';
import { PasskeyService } from '../factors/passkey.service.js';
import { SecondFactorService } from '../factors/second-factor.service.js';
import { SessionService } from '../session/session.service.js';
import { AccountService } from './account.service.js';
import type { OwnerView } from './owner-page.js';

export class IdentifierFormNotServed extends NotFound {
  constructor() {
    super('identifier_form_not_served', text('errors.identifier_form_not_served.title'), text('errors.identifier_form_not_served.detail'));
  }
}

/** What a GET of {base}/openid/{user} asked for, as plain values. */
export interface IdentityPageRequest {
  readonly accept: string | undefined;
  /** `?xrds`: our X-XRDS-Location asks for the XRDS whatever the Accept header. */
  readonly forceXrds: boolean;
  readonly sessionToken: string | undefined;
}

export type IdentityPageAnswer =
  /** The management page for the signed-in owner; the controller adds the CSRF token. */
  | { kind: 'owner'; view: Omit<OwnerView, 'csrf'>; xrdsLocation: string }
  /** The discovery document (XRDS, the public HTML page, or the issuer JSON) for everyone else. */
  | { kind: 'document'; document: DiscoveryDocument };

/**
 * The claimed identifier {base}/openid/{user} (DESIGN.md): its discovery documents (built by the
 * discovery module) for relying parties and visitors, and the management page for its signed-in
 * owner.
 */
@Injectable()
export class IdentityPageService {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly sessions: SessionService,
    private readonly account: AccountService,
    private readonly factors: SecondFactorService,
    private readonly passkeys: PasskeyService,
  ) {}

  /**
   * `{base}/openid/p/{opaque}`: a private identifier's XRDS or HTML (or the issuer JSON of the
   * Connect migration, as for any identifier of ours). Never the owner view: the page must not
   * tell anyone, its owner's browser included, which account it belongs to.
   */
  async showPrivate(domain: DomainConfig, opaque: string, input: Omit<IdentityPageRequest, 'sessionToken'>): Promise<DiscoveryDocument> {
    const found = await this.discovery.findPrivate(domain, opaque);
    // Exactly what an unmatched route answers, as for an unknown account.
    if (!found) throw new NotFoundException();
    if (this.discovery.wantsIssuer(input.accept, input.forceXrds)) return this.discovery.issuerDocument(domain);
    return this.discovery.privateIdentifierDocument(domain, found.opaque, this.discovery.wantsXrds(input.accept, input.forceXrds));
  }

  async show(domain: DomainConfig, name: string, input: IdentityPageRequest): Promise<IdentityPageAnswer> {
    // The mod_openid form {base}/openid/user@domain is vestigial and not served.
    if (name.includes('@')) throw new IdentifierFormNotServed();
    const account = await this.discovery.findAccount(domain, name);
    // Exactly what an unmatched route answers: an unknown account looks like any other miss.
    if (!account) throw new NotFoundException();
    // OpenID 2.0 to OpenID Connect Migration 1.0 §6: the RP's check that our issuer is
    // authoritative for this identifier; the same answer for the owner (their page is HTML).
    if (this.discovery.wantsIssuer(input.accept, input.forceXrds)) return { kind: 'document', document: this.discovery.issuerDocument(domain) };
    const xrds = this.discovery.wantsXrds(input.accept, input.forceXrds);
    const active = xrds ? undefined : await this.sessions.resolve(input.sessionToken);
    // An XMPP account never signed in has no row, hence no owner: the public view.
    const user = account.user;
    if (!user || !active || active.user.id !== user.id) return { kind: 'document', document: this.discovery.identifierDocument(domain, account.username, xrds) };
    const links = this.discovery.links(domain, user.username);
    return {
      kind: 'owner',
      xrdsLocation: links.xrdsUrl,
      view: {
        account: `${user.username}@${domain.name}`,
        links,
        currentSessionId: active.session.id,
        accountKind: domain.accounts === 'xmpp' ? 'xmpp' : 'local',
        // The profile's time zone (SReg 1.1 §4 timezone, validated as an IANA name): the page's dates.
        timeZone: active.user.timezone ?? undefined,
        ...(active.user.vcardFetchedAt ? { vcardFetchedAt: active.user.vcardFetchedAt } : {}),
        profile: PROFILE_FIELDS.map((field) => ({
          field,
          label: PROFILE_LABELS[field],
          hint: PROFILE_HINTS[field],
          // HTML's tel input: a phone's dialling keypad; it checks nothing (profile.ts does).
          type: field === 'phone' ? 'tel' : 'text',
          value: active.user[field] ?? '',
          // The vCard's value is shown beside the user's own; released only while theirs is empty
          // (AccountProfileSource).
          ...(active.user.vcard?.[field] ? { vcard: active.user.vcard[field] } : {}),
          shared: active.user.releaseDefaults.includes(field),
        })),
        ...(await this.account.overview(user)),
        // Issue 13: the authenticator apps, passkeys and recovery codes (names and dates, never a secret).
        factors: await this.factors.overview(user),
        passkeys: this.passkeys.available(domain),
        // The OpenID bot's new-site notices, where the domain has a bot (issue 9 point 5).
        notices: domain.xmpp?.bot === undefined ? undefined : active.user.xmppNotices,
      },
    };
  }
}
