import type { AuditKind } from './audit.entity.js';

/** What `npm run cli -- audit` asks for: every given criterion must hold. */
export interface AuditQuery {
  userId?: string;
  domain?: string;
  kinds?: readonly AuditKind[];
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  limit: number;
}
