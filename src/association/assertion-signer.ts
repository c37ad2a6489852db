import { Injectable } from '@nestjs/common';
import { AssocType, Field, type OpenIdVersion } from '../protocol/consts.js';
import type { KeyValuePairs } from '../protocol/kv-form.js';
import { signFields } from '../protocol/signing.js';
import { AssociationService } from './association.service.js';

/**
 * Signs positive assertions (OpenID 2.0 §10.1): with the RP's shared association when it named a
 * valid one, otherwise with a fresh private association, telling the RP to drop the handle it
 * sent (invalidate_handle) so that it verifies with check_authentication (§11.4.2).
 */
@Injectable()
export class AssertionSigner {
  constructor(private readonly associations: AssociationService) {}

  async sign(version: OpenIdVersion, fields: KeyValuePairs, requestedHandle: string | undefined): Promise<Array<[string, string]>> {
    const shared = requestedHandle === undefined ? undefined : await this.associations.find(requestedHandle, 'shared');
    // A 1.1 RP only knows HMAC-SHA1 (§14.2); 2.0 RPs get the RECOMMENDED HMAC-SHA256 (§6.2).
    const association = shared ?? (await this.associations.create('private', version === '2.0' ? AssocType.hmacSha256 : AssocType.hmacSha1));
    const out: (readonly [string, string])[] = [...fields, [Field.assocHandle, association.handle]];
    // OpenID 2.0 §10.1: invalidate_handle when the RP's handle was unknown or expired.
    if (requestedHandle !== undefined && !shared) out.push([Field.invalidateHandle, requestedHandle]);
    return signFields(association.assocType, association.secret, out);
  }
}
