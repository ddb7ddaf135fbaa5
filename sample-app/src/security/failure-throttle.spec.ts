import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FailureThrottle, type FailureRule } from './failure-throttle.js';

const RULE: FailureRule = { name: 'test-rule', limit: 2, ttl: 10_000, block: 30_000 };

describe('FailureThrottle', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('skips the lookup (mayBlock false) until the rule counts a failure', async () => {
    const throttle = new FailureThrottle();
    expect(throttle.mayBlock(RULE)).toBe(false);
    expect(await throttle.blockedFor([['client-a', RULE]])).toBe(0);
    await throttle.recordFailure([['client-a', RULE]]);
    expect(throttle.mayBlock(RULE)).toBe(true);
  });

  it('still blocks the key that passed its limit, for the whole block', async () => {
    const throttle = new FailureThrottle();
    for (let i = 0; i < 3; i++) await throttle.recordFailure([['client-a', RULE]]);
    expect(await throttle.blockedFor([['client-a', RULE]])).toBe(30);
    expect(await throttle.blockedFor([['client-b', RULE]])).toBe(0);
    jest.advanceTimersByTime(29_000);
    expect(throttle.mayBlock(RULE)).toBe(true);
    expect(await throttle.blockedFor([['client-a', RULE]])).toBeGreaterThan(0);
  });

  it('turns the fast path back on once no key can still be blocked', async () => {
    const throttle = new FailureThrottle();
    for (let i = 0; i < 3; i++) await throttle.recordFailure([['client-a', RULE]]);
    jest.advanceTimersByTime(30_000 + 1_001); // max(ttl, block) + the second of slack
    expect(throttle.mayBlock(RULE)).toBe(false);
    expect(await throttle.blockedFor([['client-a', RULE]])).toBe(0);
  });
});
