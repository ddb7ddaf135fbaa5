import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** How many failures a key may collect in a window before it is blocked, and for how long. */
export interface FailureRule {
  /** Name of the rule (the limiter's key prefix). */
  readonly name: string;
  /** Failures allowed per window; the next one blocks. */
  readonly limit: number;
  /** Window in ms. */
  readonly ttl: number;
  /** Block in ms once the limit is passed (a soft lock: it ends by itself). */
  readonly block: number;
}

/** Failed logins per account: 5 per 15 minutes, then 5 minutes blocked (≤ 60 tries an hour). */
export const LOGIN_PER_ACCOUNT: FailureRule = {
  name: 'login-account',
  limit: 5,
  ttl: 15 * 60_000,
  block: 5 * 60_000,
};

/** Failed logins per client IP: 20 per 15 minutes, then 5 minutes blocked. */
export const LOGIN_PER_CLIENT: FailureRule = {
  name: 'login-client',
  limit: 20,
  ttl: 15 * 60_000,
  block: 5 * 60_000,
};

/** Rejected access tokens per client IP: 30 per minute, then 1 minute blocked. */
export const INVALID_TOKENS_PER_CLIENT: FailureRule = {
  name: 'invalid-token-client',
  limit: 30,
  ttl: 60_000,
  block: 60_000,
};

/**
 * Counts failures (never successes) per key with `rate-limiter-flexible`, and says when a
 * key is blocked. (`@nestjs/throttler` is not used: it is CommonJS requiring the ESM-only
 * Nest 12, which Jest 30 cannot load on Node 20, and it counts every request, not failures.)
 * In process memory: with several instances, give each its own budget or switch to the
 * library's Redis limiter.
 */
@Injectable()
export class FailureThrottle {
  private readonly limiters = new Map<string, RateLimiterMemory>();
  /** When each rule last counted a failure (ms since the epoch). */
  private readonly lastFailure = new Map<string, number>();

  /**
   * Whether any key can be blocked under `rule` now. A key is over its limit only after a
   * failure, and stays so for at most `max(ttl, block)` after its last one; so when the rule
   * has counted no failure for that long (plus a second of slack), nobody is blocked and the
   * per-key lookup (and working out the key, e.g. the client address) can be skipped. That is
   * the common case, which every authenticated request would otherwise pay for.
   */
  mayBlock(rule: FailureRule): boolean {
    const at = this.lastFailure.get(rule.name);
    return at !== undefined && Date.now() - at <= Math.max(rule.ttl, rule.block) + 1_000;
  }

  /** Seconds until the longest block among `entries` ends, or 0 when none is blocked. */
  async blockedFor(entries: ReadonlyArray<readonly [string, FailureRule]>): Promise<number> {
    let longest = 0;
    for (const [key, rule] of entries) {
      if (!this.mayBlock(rule)) continue;
      const state = await this.limiter(rule).get(key);
      if (state && state.consumedPoints > rule.limit)
        longest = Math.max(longest, state.msBeforeNext);
    }
    return Math.ceil(longest / 1000);
  }

  /**
   * Counts one failure for each `[key, rule]`.
   * @returns seconds until the longest block among them ends, or 0 when none is blocked now.
   */
  async recordFailure(entries: ReadonlyArray<readonly [string, FailureRule]>): Promise<number> {
    let longest = 0;
    for (const [key, rule] of entries) {
      this.lastFailure.set(rule.name, Date.now());
      try {
        await this.limiter(rule).consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        longest = Math.max(longest, rejection.msBeforeNext);
      }
    }
    return Math.ceil(longest / 1000);
  }

  private limiter(rule: FailureRule): RateLimiterMemory {
    let limiter = this.limiters.get(rule.name);
    if (!limiter) {
      limiter = new RateLimiterMemory({
        keyPrefix: rule.name,
        points: rule.limit,
        duration: rule.ttl / 1000,
        blockDuration: rule.block / 1000,
      });
      this.limiters.set(rule.name, limiter);
    }
    return limiter;
  }
}
