import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { affected, deleteExpiredBefore } from '../../database/query-shapes.js';
import { User } from '../../users/user.entity.js';
import { Session } from './session.entity.js';

/** SQL of the sessions table. Tokens arrive here already hashed. */
@Injectable()
export class SessionRepository {
  constructor(@InjectRepository(Session) private readonly sessions: Repository<Session>) {}

  /** One INSERT … RETURNING: the session comes back with its generated id. */
  async insert(values: Omit<Session, 'id'>): Promise<Session> {
    const session = this.sessions.create(values);
    await this.sessions.insert(session);
    return session;
  }

  /** The unexpired session of that token with its account, in one query (every signed-in request asks). */
  async findUnexpiredWithUser(tokenHash: Buffer, now: Date): Promise<{ session: Session; user: User } | null> {
    const found = (await this.sessions
      .createQueryBuilder('s')
      .innerJoinAndMapOne('s.user', User, 'u', 'u.id = s.userId')
      .where('s.tokenHash = :tokenHash AND s.expiresAt > :now', { tokenHash, now })
      .getOne()) as (Session & { user?: User }) | null;
    if (!found?.user) return null;
    const { user, ...session } = found;
    return { session: Object.assign(new Session(), session), user };
  }

  async touch(id: string, lastSeenAt: Date): Promise<void> {
    await this.sessions.update({ id }, { lastSeenAt });
  }

  async setAmr(tokenHash: Buffer, amr: string[]): Promise<void> {
    await this.sessions.update({ tokenHash }, { amr });
  }

  async delete(id: string): Promise<void> {
    await this.sessions.delete({ id });
  }

  async deleteByTokenHash(tokenHash: Buffer): Promise<void> {
    await this.sessions.delete({ tokenHash });
  }

  /** Deletes one session only if that user owns it; answers whether it did. */
  async deleteOwned(userId: string, id: string): Promise<boolean> {
    return affected(await this.sessions.delete({ id, userId })) > 0;
  }

  /** Every session of the account named (domain, normalised username). */
  async deleteAllOfAccount(domain: string, username: string): Promise<void> {
    await this.sessions.query('DELETE FROM "sessions" WHERE "user_id" IN (SELECT "id" FROM "users" WHERE "domain" = $1 AND "username" = $2)', [domain, username]);
  }

  async deleteAllOf(userId: string): Promise<void> {
    await this.sessions.delete({ userId });
  }

  /** The user's unexpired sessions, most recently used first. */
  listUnexpired(userId: string, now: Date): Promise<Session[]> {
    return this.sessions.find({ where: { userId, expiresAt: MoreThan(now), factorPending: false }, order: { lastSeenAt: 'DESC' } });
  }

  pruneExpiredBefore(now: Date): Promise<number> {
    return deleteExpiredBefore(this.sessions, now);
  }
}
