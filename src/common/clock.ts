import { Injectable } from '@nestjs/common';

/** The time, as an injectable side effect: services never call `new Date()` themselves. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
