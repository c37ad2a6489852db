import { Clock } from '../../src/common/clock.js';

/** A clock the test sets and moves, injected in place of the real one. */
export class TestClock extends Clock {
  constructor(public time: Date) {
    super();
  }

  override now(): Date {
    return new Date(this.time);
  }

  advance(seconds: number): void {
    this.time = new Date(this.time.getTime() + seconds * 1000);
  }
}
