import { Injectable } from '@nestjs/common';
import { AssociateService } from '../association/associate.service.js';
import { CheckAuthenticationService } from '../association/check-authentication.service.js';
import type { DomainConfig } from '../config/config.schema.js';
import { DiscoveryService, type DiscoveryDocument } from '../discovery/discovery.service.js';
import { Mode } from '../protocol/consts.js';
import { answeredAs, answering, InvalidRequest, UnsupportedMode } from '../protocol/errors.js';
import { checkMessageLimits, DEFAULT_MESSAGE_LIMITS, type MessageLimits } from '../protocol/input-limits.js';
import type { KeyValuePairs } from '../protocol/kv-form.js';
import { parseOpenIdMessage } from '../protocol/message.js';
import { CHECKID_MODES, classifyRequest, DIRECT_MODES } from '../protocol/request-kind.js';
import { CheckidService } from './checkid/checkid.service.js';
import { forLayout, type Outcome } from './checkid/outcome.js';
import { PendingRequestService } from './checkid/pending-request.service.js';
import type { EndpointRequest } from './openid-input.js';
import { SessionService } from './session/session.service.js';
import { ClientRateLimits } from './client-rate-limits.js';

/**
 * The input step's limits: the protocol defaults, and the realm no longer than the columns that
 * keep it (trust_grants.realm and audit_events.realm are varchar(2048)).
 */
export const OPENID_INPUT_LIMITS: MessageLimits = {
  ...DEFAULT_MESSAGE_LIMITS,
  maxValueBytesByKey: { 'openid.realm': 2048, 'openid.trust_root': 2048 },
};

/** What the endpoint answers; the controller turns it into HTTP. */
export type EndpointAnswer =
  /** No OpenID message: discovery of the OP identifier (§7.3.1). */
  | { kind: 'document'; document: DiscoveryDocument }
  /** A direct response (§5.1.2): key-value form, HTTP 200. */
  | { kind: 'direct'; fields: KeyValuePairs }
  /** A step of the checkid flow in the browser. */
  | { kind: 'outcome'; outcome: Outcome };

/**
 * The OP endpoint's flow: classify the request (direct or indirect, version) so that every error
 * is answered in its shape, screen it (input limits), then associate, check_authentication or
 * checkid. Errors are thrown, tagged with their ErrorAnswer, for the error responder.
 */
@Injectable()
export class EndpointService {
  constructor(
    private readonly associate: AssociateService,
    private readonly checkAuthentication: CheckAuthenticationService,
    private readonly checkid: CheckidService,
    private readonly pending: PendingRequestService,
    private readonly sessions: SessionService,
    private readonly discovery: DiscoveryService,
    private readonly limits: ClientRateLimits,
  ) {}

  async handle(domain: DomainConfig, input: EndpointRequest): Promise<EndpointAnswer> {
    const posted = input.method === 'POST';
    if (!posted && input.query.length === 0) {
      // OpenID 2.0 §7.3.1: {base}/openid is also the OP identifier, discovered by a plain GET.
      return { kind: 'document', document: this.discovery.opIdentifierDocument(domain, input.accept, input.forceXrds) };
    }
    if (posted && input.query.length > 0) {
      // OpenID 2.0 §4.1.2: a POSTed message is in the body; a second copy in the query string
      // would leave two candidate messages.
      throw answeredAs(new InvalidRequest('openid.* parameters must be in the body of a POST, not in its URL'), { direct: true, version: '2.0' });
    }
    const pairs = posted ? input.body : input.query;
    const { mode, answer } = classifyRequest(input.method, pairs);
    return answering(answer, () => this.dispatch(domain, input, pairs, mode));
  }

  private async dispatch(domain: DomainConfig, input: EndpointRequest, pairs: [string, string][], mode: string | undefined): Promise<EndpointAnswer> {
    // Before anything is parsed, stored (a POSTed checkid request is parked) or echoed.
    checkMessageLimits(pairs, OPENID_INPUT_LIMITS);
    const posted = input.method === 'POST';
    if (mode === undefined) throw new InvalidRequest('Missing openid.mode');
    if (DIRECT_MODES.has(mode)) {
      // OpenID 2.0 §5.1.1: direct requests are POSTs.
      if (!posted) throw new InvalidRequest(`openid.mode=${mode} must be POSTed`);
      // Per-client limits before any parsing, exponentiation or lookup (src/auth/client-rate-limits.ts).
      this.limits.take(mode === Mode.associate ? 'associate' : 'check_authentication', domain.name, input.client);
      const message = parseOpenIdMessage(pairs);
      const fields = mode === Mode.associate ? await this.associate.associate(message, input.secure) : await this.checkAuthentication.check(message);
      return { kind: 'direct', fields };
    }
    if (!CHECKID_MODES.has(mode)) throw new UnsupportedMode(`Unsupported openid.mode ${JSON.stringify(mode)}`);

    // A cross-site POST carries no SameSite=Lax cookie (so no session is seen here), and
    // checkid_immediate (§9.3) needs no person: both count against the client's checkid budget,
    // as does a GET from a browser without a session.
    const active = posted ? undefined : await this.sessions.resolve(input.sessionToken);
    if (active === undefined || mode === Mode.checkidImmediate) this.limits.take('checkid', domain.name, input.client);
    const ctx = await this.checkid.validate(domain, pairs, input.client);
    if (posted) {
      // Park the request and look at the session on a same-site GET of /continue.
      const id = await this.pending.save(domain.name, pairs, input.client);
      return { kind: 'outcome', outcome: forLayout(ctx.ui, { kind: 'redirect', location: `/continue?request=${id}` }) };
    }
    return { kind: 'outcome', outcome: await this.checkid.decide(ctx, active) };
  }
}
