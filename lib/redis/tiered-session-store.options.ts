import type { LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { wholeNumberOption } from '../exceptions/option-checks.js';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import type { SessionStore } from '../stores/session.store.js';
import type { TieredRedisSubscriber } from './tiered-invalidation.js';
import { checkKeyPrefix } from './redis-keys.js';
import type { TieredRedisClient } from './tiered-redis-cache.js';

/**
 * Options of `TieredSessionStore`. Every duration is in milliseconds.
 *
 * @example
 * new TieredSessionStore({
 *   database: dataSource, // or new TypeOrmSessionStore(dataSource)
 *   redis, // createClient({ url: process.env.REDIS_URL }), connected
 *   keyPrefix: 'chirp:sessions',
 *   localCacheSize: 50_000,
 * });
 */
export interface TieredSessionStoreOptions {
  /**
   * The source of truth: a `TypeOrmSessionStore`, or the `DataSource` to build one on (it
   * must hold `SESSION_STORE_ENTITIES` and have run `SESSION_MIGRATIONS`). Any other
   * {@link SessionStore} works too. Closed with this store.
   */
  database: SessionStore | DataSource;
  /**
   * A connected node-redis v5 client (`createClient()`; standalone, not Cluster). Shared with
   * the app is fine; this store never closes it.
   */
  redis: TieredRedisClient;
  /**
   * A connection for pub/sub (the invalidation channel and, for value tokens, the revocation
   * channel). May be shared by several stores; this store never closes it.
   * @default redis.duplicate() for each, opened and closed by this store
   */
  subscriber?: TieredRedisSubscriber;
  /**
   * Prefix of every Redis key and channel (`<keyPrefix>:invalidate` is the channel). Stores
   * sharing the same prefix share their cache; use one prefix per database. 1–64 characters
   * of `[A-Za-z0-9_.:@-]`, as for `RedisSessionStore`.
   * @default 'ns:tiered'
   */
  keyPrefix?: string;
  /**
   * Most sessions held in process memory. `0` turns the in-process layer off.
   * @default 10_000
   */
  localCacheSize?: number;
  /**
   * Longest time (ms) an in-process entry is served after it was read from Redis or the
   * database. Invalidations normally remove entries long before; this bounds the rest.
   * @default 5_000
   */
  localTtl?: number;
  /**
   * Lifetime (ms) of a Redis entry, capped at the session's `expiresAt`. While the database is
   * down, every hit extends it again, so that cached sessions keep verifying.
   * @default 900_000 (15 minutes)
   */
  redisTtl?: number;
  /**
   * Timeout (ms) of every Redis call. Past it the call counts as failed: the store answers
   * from the database and treats Redis as down until a probe succeeds.
   * @default 150
   */
  redisTimeout?: number;
  /**
   * ms between probes of a Redis considered down.
   * @default 1_000
   */
  redisRetryInterval?: number;
  /**
   * ms between heartbeats proving the invalidation channel alive. The in-process layer is
   * bypassed when none came back for 3 × this.
   * @default 1_000
   */
  heartbeatInterval?: number;
  /**
   * Where outages are logged: one warning when a layer goes down, one line when it is back.
   * @default new Logger('TieredSessionStore')
   */
  logger?: LoggerService;
}

/** Status of each layer, as `TieredSessionStore.health()` reports it. */
export interface TieredStoreHealth {
  /** The in-process layer. */
  readonly local: {
    /**
     * `'in-sync'`: serving; `'bypassed'`: not sure to have every invalidation (Redis or the
     * channel is down), so not serving; `'disabled'`: `localCacheSize: 0`.
     */
    readonly status: 'in-sync' | 'bypassed' | 'disabled';
    /** Sessions held. */
    readonly entries: number;
    /** `localCacheSize`. */
    readonly capacity: number;
  };
  /** `'up'` if Redis answered a `PING` within `redisTimeout` and is in use. */
  readonly redis: 'up' | 'down';
  /** `'up'` if the database answered a primary-key lookup within the probe timeout. */
  readonly database: 'up' | 'down';
}

/** Counters since the store was built, for metrics and tests. */
export interface TieredStoreStats {
  /** Lookups answered by the in-process layer (no I/O). */
  readonly localHits: number;
  /** Lookups answered by Redis. */
  readonly redisHits: number;
  /** Lookups that read the database. */
  readonly databaseReads: number;
  /** Invalidations received on the channel (this instance's own included). */
  readonly invalidationsReceived: number;
  /** Sequence of the last invalidation this instance published (0 if none). */
  readonly publishedSequence: number;
  /** Greatest invalidation sequence received on the channel (0 if none). */
  readonly appliedSequence: number;
}

/** Defaults of the optional settings (durations in ms). */
export const TIERED_DEFAULTS = {
  keyPrefix: 'ns:tiered',
  localCacheSize: 10_000,
  localTtl: 5_000,
  redisTtl: 900_000,
  redisTimeout: 150,
  redisRetryInterval: 1_000,
  heartbeatInterval: 1_000,
} as const;

type NumericOption = Exclude<keyof typeof TIERED_DEFAULTS, 'keyPrefix'>;

function numberOption(
  options: TieredSessionStoreOptions,
  name: NumericOption,
  min: number,
): number {
  return wholeNumberOption(name, options[name], {
    min,
    fallback: TIERED_DEFAULTS[name],
    unit: name === 'localCacheSize' ? undefined : 'milliseconds',
  });
}

/** {@link TieredSessionStoreOptions} after defaults and validation (durations in ms). */
export interface ResolvedTieredOptions {
  /** See {@link TieredSessionStoreOptions.keyPrefix}. */
  readonly keyPrefix: string;
  /** See {@link TieredSessionStoreOptions.localCacheSize}. */
  readonly localCacheSize: number;
  /** See {@link TieredSessionStoreOptions.localTtl}. */
  readonly localTtl: number;
  /** See {@link TieredSessionStoreOptions.redisTtl}. */
  readonly redisTtl: number;
  /** See {@link TieredSessionStoreOptions.redisTimeout}. */
  readonly redisTimeout: number;
  /** See {@link TieredSessionStoreOptions.redisRetryInterval}. */
  readonly redisRetryInterval: number;
  /** See {@link TieredSessionStoreOptions.heartbeatInterval}. */
  readonly heartbeatInterval: number;
}

/**
 * Applies defaults and checks every option once, at construction: a bad value throws a
 * {@link SessionConfigurationError} naming the option and the fix.
 *
 * @example
 * resolveTieredOptions({ database, redis, localTtl: 0 });
 * // SessionConfigurationError: nest-sessions: option "localTtl" must be a whole number of
 * // milliseconds ≥ 1 (got 0). Fix: pass e.g. localTtl: 5000, or leave it out for the default
 */
export function resolveTieredOptions(options: TieredSessionStoreOptions): ResolvedTieredOptions {
  if (typeof options?.redis?.sendCommand !== 'function') {
    throw new SessionConfigurationError(
      'redis',
      'must be a node-redis v5 client',
      "pass redis: createClient({ url }) from 'redis', connected",
    );
  }
  if (!options.database) {
    throw new SessionConfigurationError(
      'database',
      'is required',
      'pass database: your DataSource (or a TypeOrmSessionStore built on it)',
    );
  }
  const keyPrefix = options.keyPrefix ?? TIERED_DEFAULTS.keyPrefix;
  checkKeyPrefix(keyPrefix);
  return {
    keyPrefix,
    localCacheSize: numberOption(options, 'localCacheSize', 0),
    localTtl: numberOption(options, 'localTtl', 1),
    redisTtl: numberOption(options, 'redisTtl', 1_000),
    redisTimeout: numberOption(options, 'redisTimeout', 1),
    redisRetryInterval: numberOption(options, 'redisRetryInterval', 1),
    heartbeatInterval: numberOption(options, 'heartbeatInterval', 1),
  };
}
