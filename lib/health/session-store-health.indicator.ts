import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { probeStore } from '../stores/probe-store.js';
import { SessionStore } from '../stores/session.store.js';
import { TieredSessionStore } from '../redis/tiered-session.store.js';

/** Timeout (ms) of the lookup probing a store that is not tiered. */
const PROBE_TIMEOUT = 1_000;

/**
 * A `@nestjs/terminus` health indicator for the session store (terminus 11+ API, through
 * `HealthIndicatorService`). Needs `TerminusModule` and `SessionModule` in scope.
 *
 * For a {@link TieredSessionStore} it reports each layer (`local`, `redis`, `database`):
 * - `up`: every layer answers;
 * - `degraded` (HTTP 200): Redis is down (everything works, from the database) or the
 *   database is down (cached sessions verify, logins and revocations answer 503);
 * - `down` (HTTP 503): Redis and the database are both down.
 *
 * Any other store is probed with one lookup by id within 1 s: `up` or `down`.
 *
 * @example
 * \@Controller('health')
 * class HealthController {
 *   constructor(
 *     private readonly health: HealthCheckService,
 *     private readonly sessions: SessionStoreHealthIndicator,
 *   ) {}
 *
 *   \@Get() \@HealthCheck()
 *   check() {
 *     return this.health.check([() => this.sessions.isHealthy('sessions')]);
 *   }
 * }
 * // { status: 'ok', info: { sessions: { status: 'up', local: 'in-sync', redis: 'up', database: 'up', ... } } }
 */
@Injectable()
export class SessionStoreHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly store: SessionStore,
  ) {}

  /**
   * Checks the store; `key` names the result (e.g. `'sessions'`).
   * @returns the terminus result, with `local`, `redis`, `database`, `localEntries` for a tiered store.
   */
  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    if (this.store instanceof TieredSessionStore) {
      const { local, redis, database } = await this.store.health();
      const data = {
        local: local.status,
        localEntries: local.entries,
        redis,
        database,
      };
      if (redis === 'down' && database === 'down') return indicator.down(data);
      if (redis === 'down' || database === 'down') return indicator.degraded(data);
      return indicator.up(data);
    }
    return (await probeStore(this.store, PROBE_TIMEOUT))
      ? indicator.up()
      : indicator.down({ message: 'no answer' });
  }
}
