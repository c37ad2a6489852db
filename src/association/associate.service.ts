import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { openidConfig } from '../config/namespaces.js';
import { Random } from '../common/random.js';
import { checkAssociationRequest, sessionTypeForResponse } from '../protocol/association-types.js';
import { Field, SessionType } from '../protocol/consts.js';
import { dhServerExchange, parseDhRequest } from '../protocol/dh.js';
import type { KeyValuePairs } from '../protocol/kv-form.js';
import type { OpenIdMessage } from '../protocol/message.js';
import { buildMessageFields } from '../protocol/message-encode.js';
import { AssociationService } from './association.service.js';

/** openid.mode=associate (OpenID 2.0 §8): a direct request answered in key-value form. */
@Injectable()
export class AssociateService {
  constructor(
    private readonly associations: AssociationService,
    private readonly random: Random,
    @Inject(openidConfig.KEY) private readonly openid: ConfigType<typeof openidConfig>,
  ) {}

  /** The per-client limit (openid.associate_rate_limit) is taken before: src/auth/client-rate-limits.ts. */
  async associate(message: OpenIdMessage, overTls: boolean): Promise<KeyValuePairs> {
    // OpenID 2.0 §8.1.1, §8.2.4, §8.4.1: supported type pairs; refused ones throw
    // UnsupportedAssociationType carrying a pair to retry with.
    const negotiated = checkAssociationRequest({
      version: message.version,
      assocType: message.fields.get(Field.assocType),
      sessionType: message.fields.get(Field.sessionType),
      overTls,
    });
    // OpenID 2.0 §8.1.2: validate the DH parameters before anything is stored.
    const dhRequest =
      negotiated.sessionType === SessionType.noEncryption
        ? undefined
        : parseDhRequest({
            modulus: message.fields.get(Field.dhModulus),
            generator: message.fields.get(Field.dhGen),
            consumerPublic: message.fields.get(Field.dhConsumerPublic),
          }, { maxModulusBits: this.openid.dh_max_modulus_bits });
    const association = await this.associations.create('shared', negotiated.assocType);

    // OpenID 2.0 §8.2.1: common response fields.
    const core: [string, string][] = [
      [Field.assocHandle, association.handle],
      [Field.assocType, association.assocType],
    ];
    const sessionType = sessionTypeForResponse(message.version, negotiated.sessionType);
    if (sessionType !== undefined) core.push([Field.sessionType, sessionType]);
    core.push([Field.expiresIn, String(this.associations.expiresIn(association))]);
    if (dhRequest === undefined) {
      // OpenID 2.0 §8.2.2: no-encryption carries the MAC key in the clear (over TLS, §8.4.1).
      core.push([Field.macKey, association.secret.toString('base64')]);
    } else {
      // OpenID 2.0 §8.2.3: DH-SHA1 / DH-SHA256.
      const exchange = dhServerExchange(negotiated.sessionType as typeof SessionType.dhSha1 | typeof SessionType.dhSha256, dhRequest, association.secret, this.random.bytes);
      core.push([Field.dhServerPublic, exchange.dhServerPublic], [Field.encMacKey, exchange.encMacKey]);
    }
    return buildMessageFields({ version: message.version, core });
  }
}
