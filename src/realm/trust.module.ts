import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TrustGrant } from './trust-grant.entity.js';
import { TrustGrantRepository } from './trust-grant.repository.js';
import { TrustGrantsService } from './trust-grants.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([TrustGrant])],
  providers: [TrustGrantRepository, TrustGrantsService],
  exports: [TrustGrantsService],
})
export class TrustModule {}
