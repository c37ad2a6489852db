import { Module } from '@nestjs/common';
import { PasskeyRepository } from './passkey.repository.js';
import { PasskeyService } from './passkey.service.js';
import { SecondFactorRepository } from './second-factor.repository.js';
import { SecondFactorService } from './second-factor.service.js';

/**
 * Second factors (issue 13): authenticator apps, recovery codes and passkeys (WebAuthn), enrolled
 * on the identity page, asked at sign-in (src/auth/login), listed by the OpenID bot; a passkey may
 * also sign in alone. Needs the global CommonModule (Clock, Random), SecretsModule (KeyRing) and
 * the DataSource.
 */
@Module({
  providers: [SecondFactorRepository, SecondFactorService, PasskeyRepository, PasskeyService],
  exports: [SecondFactorService, PasskeyService],
})
export class FactorsModule {}
