import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../common/clock.js';
import { KeyRing } from '../secrets/key-ring.js';
import { AssociationRepository } from './association.repository.js';
import { AssociationService, openProviderSecret, providerSecretData } from './association.service.js';

/** Audit rows of operator actions concern the whole provider, not one domain. */
export const ALL_DOMAINS = '*';

export interface KeyUsage {
  id: string;
  createdAt: Date | null;
  active: boolean;
  /** Unexpired associations whose MAC key this key seals. */
  associations: number;
  providerSecrets: number;
  /** When the last association sealed under it expires (null: none left). */
  lastExpiry: Date | null;
}

/**
 * What the operator does to associations and the keys sealing them (`npm run cli -- association
 * revoke`, `keys list|rotate|remove`): revocation, re-sealing provider secrets under a new key,
 * and which rows each key still protects. Every action is audited.
 */
@Injectable()
export class AssociationAdminService {
  constructor(
    private readonly associations: AssociationService,
    private readonly repository: AssociationRepository,
    private readonly keys: KeyRing,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * OpenID 2.0 §8.2.4 / §10.1: a deleted shared association is unknown from then on, so a
   * request naming it is signed with a private association and answered invalidate_handle, and
   * check_authentication echoes it (§11.4.2.2). `handle` undefined: every shared association.
   */
  async revoke(handle: string | undefined): Promise<string[]> {
    const revoked = await this.associations.revokeShared(handle);
    if (revoked.length > 0) await this.record('association_revoked');
    return revoked;
  }

  /** Re-seals the provider secrets under the active key (after `keys rotate`); answers how many moved. */
  async resealProviderSecrets(): Promise<number> {
    const active = this.keys.activeId;
    let moved = 0;
    for (const row of await this.repository.allProviderSecrets()) {
      if (row.keyId === active) continue;
      const plain = openProviderSecret(this.keys, row);
      if (plain === undefined) continue;
      const sealed = this.keys.seal(plain, providerSecretData(row.name));
      if (await this.repository.resealProviderSecret(row.name, row.keyId, { keyId: sealed.keyId, iv: sealed.iv, sealedSecret: sealed.sealed })) moved++;
    }
    return moved;
  }

  /** Each key of the file with the rows it protects, and key ids rows name that the file lacks. */
  async usage(): Promise<KeyUsage[]> {
    const now = this.clock.now();
    const counts = await this.repository.rowsPerKey(now);
    const listed = this.keys.list();
    const out: KeyUsage[] = [];
    for (const key of listed) {
      const c = counts.get(key.id) ?? { associations: 0, providerSecrets: 0 };
      out.push({ ...key, ...c, lastExpiry: c.associations > 0 ? await this.repository.lastExpiryUnder(key.id, now) : null });
    }
    for (const [id, c] of counts) {
      if (!listed.some((k) => k.id === id)) out.push({ id, createdAt: null, active: false, ...c, lastExpiry: c.associations > 0 ? await this.repository.lastExpiryUnder(id, now) : null });
    }
    return out;
  }

  recordRotation(): Promise<void> {
    return this.record('operator_key_rotated');
  }

  private async record(kind: 'association_revoked' | 'operator_key_rotated'): Promise<void> {
    await this.audit.record({ kind, domain: ALL_DOMAINS });
    await this.audit.flush();
  }
}
