import { Global, Module } from '@nestjs/common';
import { Clock } from './clock.js';
import { Random } from './random.js';

@Global()
@Module({ providers: [Clock, Random], exports: [Clock, Random] })
export class CommonModule {}
