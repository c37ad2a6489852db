import { Injectable } from '@nestjs/common';

export interface AccountChange {
  domain: string;
  /** The normalised localpart. */
  username: string;
  /** Set when the change was a new password: every session of the account ends (ASVS V3.3). */
  passwordChanged?: boolean;
}

/**
 * Tells this process's caches of accounts (signed-in sessions, discovery answers) that an account
 * changed here, so that they forget it at once; other processes' caches expire within their TTL
 * (a second). A new password also ends the account's sessions (SessionService listens).
 */
@Injectable()
export class AccountChanges {
  private readonly listeners: ((change: AccountChange) => void | Promise<void>)[] = [];

  subscribe(listener: (change: AccountChange) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Tells every listener, and waits for those that write (ending sessions) to finish. */
  async changed(change: AccountChange): Promise<void> {
    await Promise.all(this.listeners.map((listener) => listener(change)));
  }
}
