import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { affected } from '../database/query-shapes.js';
import { User } from './user.entity.js';

/** The only place that talks SQL about users. Usernames passed here are already normalised. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findOne(domain: string, username: string): Promise<User | null> {
    return this.users.findOne({ where: { domain, username } });
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOne({ where: { id } });
  }

  /** The user with its password hash (not selected by default). */
  findWithPasswordHash(domain: string, username: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.domain = :domain AND u.username = :username', { domain, username })
      .getOne();
  }

  /** Whether any of these domains has an account (start-up asks, to tell how to create the first). */
  async anyIn(domains: readonly string[]): Promise<boolean> {
    return (await this.users.findOne({ select: { id: true }, where: { domain: In([...domains]) } })) !== null;
  }

  list(domain?: string): Promise<User[]> {
    return this.users.find({ where: domain ? { domain } : {}, order: { domain: 'ASC', username: 'ASC' } });
  }

  /** Inserts, answering false when (domain, username) is taken (unique violation 23505). */
  async insert(user: Partial<User>): Promise<User | null> {
    try {
      const result = await this.users.insert(user);
      const id = (result.identifiers[0] as { id: string }).id;
      return await this.users.findOneByOrFail({ id });
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') return null;
      throw error;
    }
  }

  /**
   * The row of an XMPP account, created when missing (no password hash). `vcard` given (null: the
   * account has none) replaces the stored vCard profile; undefined keeps it (it could not be read).
   */
  async upsertXmppAccount(domain: string, username: string, vcard: User['vcard'] | undefined): Promise<User> {
    const fresh = vcard === undefined ? {} : { vcard, vcardFetchedAt: new Date() };
    const insert = this.users.createQueryBuilder().insert().into(User).values({ domain, username, passwordHash: null, disabled: false, ...fresh });
    if (vcard === undefined) insert.orIgnore();
    else insert.orUpdate(['vcard', 'vcard_fetched_at'], ['domain', 'username']);
    await insert.execute();
    return this.users.findOneByOrFail({ domain, username });
  }

  /** Answers whether a row was changed. */
  async update(domain: string, username: string, changes: Partial<User>): Promise<boolean> {
    return affected(await this.users.update({ domain, username }, changes)) > 0;
  }

  async delete(domain: string, username: string): Promise<boolean> {
    return affected(await this.users.delete({ domain, username })) > 0;
  }
}
