import { Injectable } from '@nestjs/common';
import { UsersService } from '../../users/users.service.js';
import { CredentialBackend, type CredentialResult } from './credential-backend.js';

/** Passwords checked against the local account store (argon2id). */
@Injectable()
export class LocalCredentialBackend extends CredentialBackend {
  constructor(private readonly users: UsersService) {
    super();
  }

  verify(domain: string, username: string, password: string): Promise<CredentialResult> {
    return this.users.verifyCredentials(domain, username, password);
  }
}
