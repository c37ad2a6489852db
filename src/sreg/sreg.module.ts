import { Module } from '@nestjs/common';
import { AttributeService } from './attribute.service.js';
import { AccountProfileSource } from './account-profile-source.js';
import { ProfileSource } from './profile-source.js';

/**
 * Simple Registration 1.0/1.1, Attribute Exchange 1.0 and PAPE 1.0 for positive assertions. The
 * protocol rules live in the framework-free attribute-*.ts files; this module provides the
 * profile source (the account's own values over its vCard's, account-profile-source.ts) and the service
 * the checkid flow and the consent page use.
 */
@Module({
  providers: [{ provide: ProfileSource, useClass: AccountProfileSource }, AttributeService],
  exports: [ProfileSource, AttributeService],
})
export class SregModule {}
