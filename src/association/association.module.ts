import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { AssertionSigner } from './assertion-signer.js';
import { AssociationAdminService } from './association-admin.service.js';
import { AssociateService } from './associate.service.js';
import { Association, ProviderSecret, UsedNonce } from './association.entity.js';
import { AssociationPruner } from './association.pruner.js';
import { AssociationRepository } from './association.repository.js';
import { AssociationService } from './association.service.js';
import { CheckAuthenticationService } from './check-authentication.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([Association, UsedNonce, ProviderSecret]), AuditModule],
  providers: [AssociationRepository, AssociationService, AssociateService, CheckAuthenticationService, AssertionSigner, AssociationPruner, AssociationAdminService],
  exports: [AssociateService, CheckAuthenticationService, AssertionSigner, AssociationAdminService],
})
export class AssociationModule {}
