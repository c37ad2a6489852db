import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { deleteExpiredBefore } from '../../database/query-shapes.js';
import type { ApprovalState, LoginApproval } from './login-approval.entity.js';
import { LoginApproval as LoginApprovalEntity } from './login-approval.entity.js';

/** SQL of the login_approvals table. State changes are one conditional UPDATE each: instances may race. */
@Injectable()
export class LoginApprovalRepository {
  constructor(@InjectRepository(LoginApprovalEntity) private readonly rows: Repository<LoginApproval>) {}

  async insert(row: Omit<LoginApproval, 'id' | 'createdAt' | 'state' | 'answeredVia'> & { createdAt: Date }): Promise<LoginApproval> {
    const saved = await this.rows.save(this.rows.create({ ...row, state: 'pending', answeredVia: null }));
    return saved;
  }

  find(id: string, domain: string): Promise<LoginApproval | null> {
    return this.rows.findOne({ where: { id, domain } });
  }

  /** Pending and unexpired requests sent to `jid`: the ones a reply from it may answer. */
  pendingFor(domain: string, jid: string, now: Date): Promise<LoginApproval[]> {
    return this.rows.find({ where: { domain, jid, state: 'pending', expiresAt: MoreThan(now) }, take: 50 });
  }

  /** Moves `id` from `from` to `to`; false when another answer (or instance) got there first. */
  async transition(id: string, from: ApprovalState, to: ApprovalState, via?: string): Promise<boolean> {
    const result = await this.rows.update({ id, state: from }, { state: to, ...(via === undefined ? {} : { answeredVia: via }) });
    return (result.affected ?? 0) === 1;
  }

  countForAccount(domain: string, username: string, since: Date): Promise<number> {
    return this.rows.count({ where: { domain, username, createdAt: MoreThan(since) } });
  }

  countForAddress(domain: string, ip: string, since: Date): Promise<number> {
    return this.rows.count({ where: { domain, ip, createdAt: MoreThan(since) } });
  }

  pruneBefore(cutoff: Date): Promise<number> {
    return deleteExpiredBefore(this.rows, cutoff);
  }
}
