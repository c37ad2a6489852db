import { Injectable } from '@nestjs/common';

export interface AccountChange {
  domain: string;
  /** The normalised localpart. */
  username: string;
}

/**
 * Tells this process's caches of accounts (signed-in sessions, discovery answers) that an account
 * changed here, so that they forget it at once; other processes' caches expire within their TTL
 * (a second).
 */
@Injectable()
export class AccountChanges {
  private readonly listeners: ((change: AccountChange) => void)[] = [];

  subscribe(listener: (change: AccountChange) => void): void {
    this.listeners.push(listener);
  }

  changed(change: AccountChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
