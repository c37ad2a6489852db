import { Injectable } from '@nestjs/common';
import type { DomainConfig } from '../../config/config.schema.js';
import { identifierUrl } from '../../discovery/urls.js';
import { PrivateIdentifiersService } from '../../realm/private-identifiers.service.js';
import type { ClientInfo } from '../../http/request-input.js';
import { RealmPolicy } from '../../realm/realm-policy.service.js';
import { RpIcons } from '../../realm/rp-icons.js';
import type { TrustGrant } from '../../realm/trust-grant.entity.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import type { ConsentRow } from '../../sreg/attribute.service.js';
import type { ProfileField } from '../../users/user.entity.js';
import { CheckidService, offersPrivateIdentifier } from '../checkid/checkid.service.js';
import { forLayout, type Outcome } from '../checkid/outcome.js';
import { SessionService } from '../session/session.service.js';
import type { ConsentForm } from './consent.dto.js';
import type { ConsentView } from './consent-page.js';

/** The consent page's data; the controller adds the CSRF token of the browser. */
export type ConsentPageModel = Omit<ConsentView, 'csrf'>;

export type ConsentPageResult = { kind: 'page'; view: ConsentPageModel } | { kind: 'outcome'; outcome: Outcome };

/**
 * Whether a requested field's checkbox starts ticked. A field released to this realm before is
 * ticked. A field the RP requires is ticked the first time it is asked (the page shows the exact
 * value and the user can untick it), but not when this realm asked for it before and the user
 * chose not to send it: that earlier choice stands. An optional field follows the user's "share
 * by default" choices. Nothing is ticked that we have no value for.
 */
export function presetRelease(row: ConsentRow, shareByDefault: readonly ProfileField[], grant: TrustGrant | null): boolean {
  if (row.value === undefined) return false;
  if (grant?.fields.includes(row.field)) return true;
  if (row.required) return !(grant?.askedFields.includes(row.field) ?? false);
  return shareByDefault.includes(row.field);
}

/** The consent page and its answer, and /continue (a POSTed request resumed with the session visible). */
@Injectable()
export class ConsentService {
  constructor(
    private readonly sessions: SessionService,
    private readonly checkid: CheckidService,
    private readonly realmPolicy: RealmPolicy,
    private readonly trust: TrustGrantsService,
    private readonly privateIdentifiers: PrivateIdentifiersService,
    private readonly icons: RpIcons,
  ) {}

  /** GET /continue: the parked request, decided now that the session cookie is visible. */
  async continue(domain: DomainConfig, requestId: string | undefined, sessionToken: string | undefined, client: ClientInfo): Promise<Outcome> {
    const ctx = await this.checkid.resume(domain, requestId, client);
    return this.checkid.decide(ctx, await this.sessions.resolve(sessionToken), requestId);
  }

  /** GET /consent: the page, or the login page when nobody (or the wrong account) is signed in. */
  async page(domain: DomainConfig, requestId: string | undefined, sessionToken: string | undefined, client: ClientInfo): Promise<ConsentPageResult> {
    const ctx = await this.checkid.resume(domain, requestId, client);
    const active = await this.sessions.resolve(sessionToken);
    if (!active || !this.checkid.accountMatches(ctx, active.user)) return { kind: 'outcome', outcome: forLayout(ctx.ui, { kind: 'redirect', location: `/login?request=${requestId}` }) };
    const realm = ctx.realm!;
    const grant = await this.trust.find(active.user.id, realm.value);
    const rows = await this.checkid.consentRows(ctx, active.user);
    // identifier_select: the person picks their own identifier or this site's private one; the
    // private one starts chosen where it was chosen before (an "always allow" with it, or one issued).
    const identifierChoice = offersPrivateIdentifier(ctx)
      ? { own: identifierUrl(domain, active.user.username), private: grant ? grant.identifier === 'private' : (await this.privateIdentifiers.existing(active.user.id, realm)) !== undefined }
      : undefined;
    const returnToCheck = await this.checkid.returnToCheck(ctx);
    // OpenID UI Extension 1.0 §6: the RP's icon, from the discovery just run (or remembered).
    const rpIcon = ctx.ui?.icon === true ? await this.icons.forRealm(realm, client.ip) : undefined;
    return {
      kind: 'page',
      view: {
        requestId: requestId!,
        realm: realm.value,
        flags: this.realmPolicy.describe(realm),
        returnToCheck,
        identifier: ctx.identity?.kind === 'user' || ctx.identity?.kind === 'private' ? (ctx.identity.claimedId ?? ctx.identity.identity) : identifierUrl(domain, active.user.username),
        identifierChoice,
        account: `${active.user.username}@${active.user.domain}`,
        returnToOrigin: ctx.returnTo ? new URL(ctx.returnTo.value).origin : undefined,
        attributes: rows.map((row) => ({ ...row, checked: presetRelease(row, active.user.releaseDefaults, grant) })),
        policyUrl: ctx.attributes?.policyUrl,
        popup: ctx.ui?.popup,
        rpIcon,
        // OpenID UI Extension 1.0 §4.2: the RP's ui.lang picks the page's language (after the switcher).
        languages: ctx.ui?.languages,
      },
    };
  }

  /** POST /consent (CSRF checked, form validated): the user's decision on the parked request. */
  async decide(domain: DomainConfig, form: ConsentForm, sessionToken: string | undefined, client: ClientInfo): Promise<Outcome> {
    const ctx = await this.checkid.resume(domain, form.request, client);
    const active = await this.sessions.resolve(sessionToken);
    if (!active || !this.checkid.accountMatches(ctx, active.user)) return forLayout(ctx.ui, { kind: 'redirect', location: `/login?request=${form.request}` });
    return this.checkid.decideConsent(ctx, active, form.decision, form.request, form.release, form.identifier);
  }
}
