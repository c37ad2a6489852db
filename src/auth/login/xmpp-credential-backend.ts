import { Inject, Injectable } from '@nestjs/common';
import type { DomainConfig } from '../../config/config.schema.js';
import { Metrics } from '../../http/metrics.js';
import { UsersService } from '../../users/users.service.js';
import { vcardValues } from '../../xmpp/vcard-mapping.js';
import { XmppConnector } from '../../xmpp/xmpp-connector.js';
import { XmppUnavailable } from '../../xmpp/xmpp-errors.js';
import type { CredentialResult } from './credential-backend.js';
import { FailureTimeFloor } from './failure-time-floor.js';

/**
 * Passwords of an `accounts: xmpp` domain, checked by its XMPP server: one c2s login per check
 * (SASL PLAIN over verified TLS, XmppConnector), which also reads the account's vCard on the
 * same authenticated connection. The password goes to the connector and nowhere else: it is not
 * stored, logged, or put into any result or error.
 */
@Injectable()
export class XmppCredentialBackend {
  /** Per domain: refusals held to a common time (FailureTimeFloor). */
  private readonly floors = new Map<string, FailureTimeFloor>();

  constructor(
    private readonly connector: XmppConnector,
    private readonly users: UsersService,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  async verify(domain: DomainConfig, username: string, password: string): Promise<CredentialResult> {
    const server = domain.xmpp?.server;
    // The schema requires xmpp.server with accounts: xmpp; a hand-built config without one is
    // an operator's problem, not the user's password.
    if (server === undefined) this.metrics.xmppPasswordBackend.set({ domain: domain.name }, 0);
    if (server === undefined) return { ok: false, reason: 'unavailable', error: new XmppUnavailable('not_configured', `${domain.name} has accounts: xmpp but no xmpp.server`) };
    const timeoutMs = (domain.xmpp?.timeout ?? 10) * 1000;
    const started = performance.now();
    let answer;
    try {
      answer = await this.connector.login({
        service: server,
        domain: domain.name,
        username,
        password,
        caFile: domain.xmpp?.ca_file,
        timeoutMs,
      });
    } catch (error) {
      // Unreachable, TLS failure, timeout, stream error: no verdict on the password.
      this.metrics.xmppPasswordBackend.set({ domain: domain.name }, 0);
      if (error instanceof XmppUnavailable) return { ok: false, reason: 'unavailable', error };
      throw error;
    }
    // A verdict, whichever: the server is there (xmpp_password_backend_up, docs/operations.md).
    this.metrics.xmppPasswordBackend.set({ domain: domain.name }, 1);
    switch (answer.outcome) {
      case 'invalid':
      case 'disabled':
        // RFC 6120 §6.5.10 not-authorized: wrong password and unknown account alike. §6.5.1
        // account-disabled: Prosody answers it before it looks at the password, so it proves
        // nothing about who is asking, and telling it apart from a wrong password would tell
        // anyone that this account exists (and is disabled). The normal failure for both, then,
        // answered no sooner than the other refusals of this domain: the server's own time
        // differs (no PBKDF2 for an unknown account), ours must not (FailureTimeFloor).
        await this.floorOf(domain.name, timeoutMs).hold(performance.now() - started);
        return { ok: false, reason: 'invalid_credentials' };
      case 'ok': {
        // The row (created at the first sign-in), its vCard profile refreshed: undefined when the
        // vCard could not be read this time keeps the stored one.
        const user = await this.users.signedInByXmpp(domain.name, username, answer.vcard === undefined ? undefined : vcardValues(answer.vcard));
        // Disabled here (`user disable`): refused like a disabled local account, which is also
        // only said once the password was right.
        if (user.disabled) return { ok: false, reason: 'account_disabled' };
        return { ok: true, user };
      }
    }
  }

  private floorOf(domain: string, capMs: number): FailureTimeFloor {
    let floor = this.floors.get(domain);
    if (floor === undefined) this.floors.set(domain, (floor = new FailureTimeFloor(capMs)));
    return floor;
  }
}
