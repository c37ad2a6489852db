import { Module } from '@nestjs/common';
import { SecondFactorRepository } from './second-factor.repository.js';
import { SecondFactorService } from './second-factor.service.js';

/**
 * Second factors (issue 13): authenticator apps and recovery codes, enrolled on the identity page,
 * asked at sign-in (src/auth/login), listed by the OpenID bot. Needs the global CommonModule
 * (Clock, Random), SecretsModule (KeyRing) and the DataSource.
 */
@Module({
  providers: [SecondFactorRepository, SecondFactorService],
  exports: [SecondFactorService],
})
export class FactorsModule {}
