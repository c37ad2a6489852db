import { Module } from '@nestjs/common';
import { AttributeService } from './attribute.service.js';
import { LocalProfileSource, ProfileSource } from './profile-source.js';

/**
 * Simple Registration 1.0/1.1, Attribute Exchange 1.0 and PAPE 1.0 for positive assertions. The
 * protocol rules live in the framework-free attribute-*.ts files; this module provides the
 * profile source (the local account row; swap the provider for a vCard source) and the service
 * the checkid flow and the consent page use.
 */
@Module({
  providers: [{ provide: ProfileSource, useClass: LocalProfileSource }, AttributeService],
  exports: [ProfileSource, AttributeService],
})
export class SregModule {}
