import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PrivateIdentifier } from './private-identifier.entity.js';
import { PrivateIdentifierRepository } from './private-identifier.repository.js';
import { PrivateIdentifiersService } from './private-identifiers.service.js';

/** Private (pairwise) identifiers {base}/openid/p/{opaque}. Needs KeyRing (SecretsModule) and Clock, both global. */
@Module({
  imports: [TypeOrmModule.forFeature([PrivateIdentifier])],
  providers: [PrivateIdentifierRepository, PrivateIdentifiersService],
  exports: [PrivateIdentifiersService],
})
export class PrivateIdentifiersModule {}
