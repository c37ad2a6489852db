import { Injectable } from '@nestjs/common';
import { Domains } from '../../config/domains.js';
import { CredentialBackend, type CredentialResult } from './credential-backend.js';
import { LocalCredentialBackend } from './local-credential-backend.js';
import { XmppCredentialBackend } from './xmpp-credential-backend.js';

/** The credential backend the login flow uses: each domain's `accounts` decides who checks passwords. */
@Injectable()
export class DomainCredentialBackend extends CredentialBackend {
  constructor(
    private readonly domains: Domains,
    private readonly local: LocalCredentialBackend,
    private readonly xmpp: XmppCredentialBackend,
  ) {
    super();
  }

  verify(domainName: string, username: string, password: string): Promise<CredentialResult> {
    const domain = this.domains.byName(domainName);
    if (domain?.accounts === 'xmpp') return this.xmpp.verify(domain, username, password);
    return this.local.verify(domainName, username, password);
  }
}
