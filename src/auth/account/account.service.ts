import { Injectable } from '@nestjs/common';
import type { TrustGrant } from '../../realm/trust-grant.entity.js';
import { TrustGrantsService } from '../../realm/trust-grants.service.js';
import type { User } from '../../users/user.entity.js';
import type { AuditEvent } from '../../audit/audit.entity.js';
import { AuditService } from '../../audit/audit.service.js';
import type { Session } from '../session/session.entity.js';
import { SessionService } from '../session/session.service.js';

export interface AccountOverview {
  grants: TrustGrant[];
  sessions: Session[];
  events: AuditEvent[];
}

/** What the owner sees and changes on their identity page. */
@Injectable()
export class AccountService {
  constructor(
    private readonly sessions: SessionService,
    private readonly trust: TrustGrantsService,
    private readonly audit: AuditService,
  ) {}

  async overview(user: User): Promise<AccountOverview> {
    const [grants, sessions, events] = await Promise.all([this.trust.list(user.id), this.sessions.listActive(user.id), this.audit.recent(user.id)]);
    return { grants, sessions, events };
  }

  revokeGrant(user: User, grantId: string): Promise<boolean> {
    return isUuid(grantId) ? this.trust.revoke(user.id, grantId) : Promise.resolve(false);
  }

  revokeSession(user: User, sessionId: string): Promise<boolean> {
    return isUuid(sessionId) ? this.sessions.revokeById(user.id, sessionId) : Promise.resolve(false);
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
