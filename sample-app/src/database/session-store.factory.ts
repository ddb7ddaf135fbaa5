import { MemorySessionStore, TypeOrmSessionStore, type SessionStore } from 'nest-sessions';
import {
  createSessionRedisClient,
  RedisSessionStore,
  TieredSessionStore,
  type OwnedRedisClient,
  type TieredRedisClient,
} from 'nest-sessions/redis';
import type { DataSource } from 'typeorm';
import type { ChirpConfig } from '../config/chirp-config.js';

/**
 * The tiered store with the Redis connection Chirp opened for it: closing the store (at
 * shutdown, by the library's sweeper) closes the connection too.
 */
class OwnedConnectionTieredStore extends TieredSessionStore {
  constructor(
    dataSource: DataSource,
    private readonly connection: OwnedRedisClient,
    keyPrefix: string,
  ) {
    super({
      database: dataSource,
      redis: connection.client as TieredRedisClient,
      keyPrefix: `${keyPrefix}:tiered`,
    });
  }

  override async close(): Promise<void> {
    await super.close();
    await this.connection.close();
  }
}

/**
 * The session store `SESSION_STORE` names. Redis connections are opened in the background:
 * Chirp starts while Redis is down, authenticated routes answer 503 (`redis`) or are served
 * from the database (`tiered`) until it is back.
 */
export function createSessionStore(config: ChirpConfig, dataSource: DataSource): SessionStore {
  switch (config.sessionStore) {
    case 'memory':
      return new MemorySessionStore();
    case 'database':
      return new TypeOrmSessionStore(dataSource);
    case 'redis':
      return RedisSessionStore.fromUrl(config.redisUrl, { keyPrefix: config.redisPrefix });
    case 'tiered':
      return new OwnedConnectionTieredStore(
        dataSource,
        createSessionRedisClient(config.redisUrl),
        config.redisPrefix,
      );
  }
}
