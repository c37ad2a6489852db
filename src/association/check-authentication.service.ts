import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../common/clock.js';
import { openidConfig } from '../config/namespaces.js';
import { Metrics } from '../http/metrics.js';
import { Field, Mode } from '../protocol/consts.js';
import { InvalidRequest } from '../protocol/errors.js';
import type { KeyValuePairs } from '../protocol/kv-form.js';
import type { OpenIdMessage } from '../protocol/message.js';
import { buildMessageFields } from '../protocol/message-encode.js';
import { isNonceTimeWithinWindow, parseResponseNonce } from '../protocol/nonce.js';
import { missingSignedFields, parseSignedList, requiredSignedFields, verifySignature } from '../protocol/signing.js';
import { AssociationRepository } from './association.repository.js';
import { AssociationService, MAX_FUTURE_SKEW_SECONDS } from './association.service.js';
import { parseDerivedHandle } from './derived-private-association.js';


/**
 * openid.mode=check_authentication (OpenID 2.0 §11.4.2): a stateless RP asks whether an
 * assertion we signed with a private association is genuine. Every check failing answers
 * is_valid:false; only a malformed request is an error.
 */
@Injectable()
export class CheckAuthenticationService {
  constructor(
    private readonly associations: AssociationService,
    private readonly repository: AssociationRepository,
    @Inject(openidConfig.KEY) private readonly openid: ConfigType<typeof openidConfig>,
    private readonly clock: Clock,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async check(message: OpenIdMessage): Promise<KeyValuePairs> {
    const valid = await this.isValid(message);
    this.metrics.checkAuthentication.inc({ is_valid: valid ? 'true' : 'false' });
    const core: [string, string][] = [[Field.isValid, valid ? 'true' : 'false']];
    // OpenID 2.0 §11.4.2.2: if the RP sent invalidate_handle and we do not know that handle as a
    // valid shared association, echo it so the RP drops it.
    const invalidate = message.fields.get(Field.invalidateHandle);
    if (invalidate !== undefined && !(await this.associations.find(invalidate, 'shared'))) {
      core.push([Field.invalidateHandle, invalidate]);
    }
    return buildMessageFields({ version: message.version, core });
  }

  private async isValid(message: OpenIdMessage): Promise<boolean> {
    const handle = message.fields.get(Field.assocHandle);
    if (handle === undefined) throw new InvalidRequest('Missing openid.assoc_handle');
    if (message.fields.get(Field.signed) === undefined || message.fields.get(Field.sig) === undefined) {
      throw new InvalidRequest('Missing openid.signed or openid.sig');
    }
    // OpenID 2.0 §11.4.2.1: "the OP MUST NOT verify signatures for associations that have shared
    // MAC keys" — only private (stateless-mode) associations are looked up here.
    const association = await this.associations.find(handle, 'private');
    if (!association) return false;

    // OpenID 2.0 §11.4.2.1: the fields are exact copies of the assertion's, except openid.mode,
    // which was id_res when we signed it.
    const fields = new Map(message.fields);
    fields.set(Field.mode, Mode.idRes);
    const signedList = parseSignedList(fields.get(Field.signed)!, fields);
    // OpenID 2.0 §10.1 / §11.4: the fields we always sign must be covered.
    if (missingSignedFields(signedList, requiredSignedFields(fields, message.version)).length > 0) return false;
    // Our assertions sign every field they carry (signFields, src/protocol/signing.ts), which
    // §10.1 allows. A field outside the list was therefore added after we signed, e.g. an
    // unsigned openid.ax.value.* or sreg.email the RP would otherwise take as ours
    // (CVE-2011-4314, OpenID4Java AX; Wang et al., "Signing Me onto Your Accounts through
    // Facebook and Google", IEEE S&P 2012): we do not vouch for such a message.
    if ([...fields.keys()].some((key) => key !== Field.sig && !signedList.includes(key))) return false;
    if (!verifySignature(association.assocType, association.secret, fields)) return false;

    const now = this.clock.now();
    if (message.version === '2.0') {
      // OpenID 2.0 §11.4.2.1: "the OP MUST NOT confirm the validity of a nonce it has already
      // confirmed" — checked across all instances by a unique row in Postgres. §10.1 requires a
      // response_nonce in 2.0; our own nonces carry their issue time.
      const nonce = fields.get(Field.responseNonce);
      if (nonce === undefined) return false;
      const window = this.openid.nonce_window;
      const { time } = parseResponseNonce(nonce);
      if (!isNonceTimeWithinWindow(time, now, { maxAgeSeconds: window, maxFutureSeconds: MAX_FUTURE_SKEW_SECONDS })) return false;
      const expiresAt = new Date(time.getTime() + (window + MAX_FUTURE_SKEW_SECONDS) * 1000);
      if (!(await this.repository.consumeNonce(nonce, expiresAt))) return false;
    }
    // Each private association signs exactly one assertion. 2.0: the consumed nonce above makes a
    // replay fail (the nonce is signed). 1.1 has no response_nonce (§14.2.1): the handle is
    // consumed instead; so is a stored private association of an earlier version in either.
    if (message.version === '2.0' && parseDerivedHandle(handle)) return true;
    return this.associations.consumePrivate(association);
  }
}
