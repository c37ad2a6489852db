import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { affected, deleteExpiredBefore } from '../../database/query-shapes.js';
import { PendingRequest } from './pending-request.entity.js';

/** SQL of the pending_requests table. */
@Injectable()
export class PendingRequestRepository {
  constructor(@InjectRepository(PendingRequest) private readonly pending: Repository<PendingRequest>) {}

  async insert(request: PendingRequest): Promise<void> {
    await this.pending.insert(request);
  }

  findUnexpired(id: string, domain: string, now: Date): Promise<PendingRequest | null> {
    return this.pending.findOne({ where: { id, domain, expiresAt: MoreThan(now) } });
  }

  /**
   * Deletes the request, answering whether this call was the one that deleted it: one DELETE, so
   * of two concurrent answers to the same request exactly one sees true.
   */
  async consume(id: string): Promise<boolean> {
    return affected(await this.pending.delete({ id })) > 0;
  }

  pruneExpiredBefore(now: Date): Promise<number> {
    return deleteExpiredBefore(this.pending, now);
  }
}
