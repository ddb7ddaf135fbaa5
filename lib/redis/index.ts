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
