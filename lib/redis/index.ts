// `nest-sessions/redis`: Redis-backed stores. Needs the optional peers `redis`
// (node-redis 5), and for the tiered store `typeorm`, which the main entry point
// loads anyway.

export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-session.store.js';
export {
  createSessionRedisClient,
  type RedisConnectionOptions,
  type OwnedRedisClient,
  type SessionRedisClient,
  type StandaloneRedisClient,
  type ClusterRedisClient,
  type RedisCommandOptions,
} from './redis-connection.js';
export { RedisKeys } from './redis-keys.js';
export { TieredSessionStore } from './tiered-session.store.js';
export {
  resolveTieredOptions,
  TIERED_DEFAULTS,
  type TieredSessionStoreOptions,
  type TieredStoreHealth,
  type TieredStoreStats,
  type ResolvedTieredOptions,
} from './tiered-session-store.options.js';
export type { TieredRedisClient } from './tiered-redis-cache.js';
export type { TieredRedisSubscriber } from './tiered-invalidation.js';
