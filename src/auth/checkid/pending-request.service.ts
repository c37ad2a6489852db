import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import { AppError } from '../../http/app-error.js';
import type { PendingRequest } from './pending-request.entity.js';
import { PendingRequestRepository } from './pending-request.repository.js';

/** How long a user may take between the RP's redirect and their decision. */
const PENDING_LIFETIME_MS = 30 * 60 * 1000;

export class PendingRequestExpired extends AppError {
  constructor() {
    super('request_expired', 400, 'Sign-in request expired', 'This sign-in request is unknown or has expired. Go back to the site you were signing in to and start again.');
  }
}

/** Authentication requests parked while the user logs in or decides, under an opaque id (never in the URL). */
@Injectable()
export class PendingRequestService {
  constructor(
    private readonly pending: PendingRequestRepository,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  async save(domain: string, message: [string, string][]): Promise<string> {
    const now = this.clock.now();
    const id = this.random.token(24);
    await this.pending.insert({ id, domain, message, createdAt: now, expiresAt: new Date(now.getTime() + PENDING_LIFETIME_MS) });
    return id;
  }

  async load(id: unknown, domain: string): Promise<PendingRequest> {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{32}$/.test(id)) throw new PendingRequestExpired();
    const found = await this.pending.findUnexpired(id, domain, this.clock.now());
    if (!found) throw new PendingRequestExpired();
    return found;
  }

  /** Single use: answers whether this call removed it (a double-submitted decision loses). */
  remove(id: string): Promise<boolean> {
    return this.pending.consume(id);
  }

  pruneExpired(): Promise<number> {
    return this.pending.pruneExpiredBefore(this.clock.now());
  }
}
