/**
 * A source of the current time in milliseconds since the Unix epoch.
 *
 * Everything in the library that decides expiry reads time through a `Clock`, so
 * tests can move time forward without sleeping.
 *
 * @example
 * SessionModule.forRoot({ clock: new ManualClock(Date.parse('2026-01-01')) });
 */
export abstract class Clock {
  /** The current time in milliseconds since the Unix epoch. */
  abstract now(): number;
}

/** The real clock: `Date.now()`. The default. */
export class SystemClock extends Clock {
  /** @inheritdoc */
  now(): number {
    return Date.now();
  }
}

/**
 * A clock that only moves when told to. For tests of expiry and rotation windows.
 *
 * @example
 * const clock = new ManualClock();
 * clock.advance(15 * 60_000); // fifteen minutes later
 */
export class ManualClock extends Clock {
  /** @param current start time in milliseconds since the Unix epoch (default: now). */
  constructor(private current: number = Date.now()) {
    super();
  }

  /** @inheritdoc */
  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Sets the clock to `ms` milliseconds since the Unix epoch. */
  set(ms: number): void {
    this.current = ms;
  }
}
