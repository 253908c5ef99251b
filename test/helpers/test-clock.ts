import type { Clock } from '../../src/clock.js';

/** A clock the test moves by hand; starts at the real time so cookies and tokens look normal. */
export class TestClock implements Clock {
  private current = Date.now();
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Real time, for journeys with real peers (Lasso stamps its assertions with the system clock). */
export class WallClock extends TestClock {
  override now(): number {
    return Date.now();
  }
}
