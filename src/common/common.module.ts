import { Global, Module } from '@nestjs/common';
import { Branding } from '../http/branding.js';
import { Clock } from './clock.js';
import { Random } from './random.js';

@Global()
@Module({ providers: [Clock, Random, Branding], exports: [Clock, Random, Branding] })
export class CommonModule {}
