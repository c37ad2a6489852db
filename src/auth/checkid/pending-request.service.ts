import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Clock } from '../../common/clock.js';
import { Random } from '../../common/random.js';
import { openidConfig } from '../../config/namespaces.js';
import { AppError } from '../../http/app-error.js';
import { text } from '../../i18n/locale.js';
import type { ClientInfo } from '../../http/request-input.js';
import { ClientRateLimits } from '../client-rate-limits.js';
import type { PendingRequest } from './pending-request.entity.js';
import { PendingRequestRepository } from './pending-request.repository.js';

/** How long a user may take between the RP's redirect and their decision. */
export const PENDING_LIFETIME_MS = 30 * 60 * 1000;

export class PendingRequestExpired extends AppError {
  constructor() {
    super('request_expired', 400, text('errors.request_expired.title'), text('errors.request_expired.detail'));
  }
}

/** A request larger than openid.pending_requests.max_bytes: refused before anything is stored (413). */
export class PendingRequestTooLarge extends AppError {
  constructor(bytes: number, limit: number) {
    super('pending_request_too_large', 413, text('errors.pending_request_too_large.title'), text('errors.pending_request_too_large.detail'), {
      detail: `${bytes} bytes of JSON, limit ${limit}`,
    });
  }
}

/** Authentication requests parked while the user logs in or decides, under an opaque id (never in the URL). */
@Injectable()
export class PendingRequestService {
  constructor(
    private readonly pending: PendingRequestRepository,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly limits: ClientRateLimits,
    @Inject(openidConfig.KEY) private readonly openid: ConfigType<typeof openidConfig>,
  ) {}

  /**
   * Parks a request for `client`. Bounded (README "Limits"): what one row stores, measured as the
   * JSON the jsonb column receives (escapes included), and how many one client address may park
   * (pending_requests.max_per_client per lifetime). Refusals are AppErrors: a page or
   * problem+json, never a 500 from the database.
   */
  async save(domain: string, message: [string, string][], client: ClientInfo): Promise<string> {
    const bytes = Buffer.byteLength(JSON.stringify(message), 'utf8');
    const limit = this.openid.pending_requests.max_bytes;
    if (bytes > limit) throw new PendingRequestTooLarge(bytes, limit);
    this.limits.take('pending_requests', domain, client);
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
