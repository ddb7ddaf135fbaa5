import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { SESSION_ENTITIES, SESSION_MIGRATIONS } from 'nest-sessions';
import type { ChirpConfig } from '../config/chirp-config.js';
import { CHIRP_MIGRATIONS } from '../migrations/index.js';
import { LikeEntity } from '../posts/like.entity.js';
import { PostEntity } from '../posts/post.entity.js';

/** Milliseconds to wait for a database server to accept a connection at start-up. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * TypeORM options for Chirp's database: the library's entities and Chirp's, the
 * library's migrations then Chirp's, run at start-up (never `synchronize`). No retries,
 * so an unreachable database stops start-up at once with a clear line.
 *
 * Side effect: creates the directory of a SQLite file if it is missing.
 */
export function buildTypeOrmOptions(config: ChirpConfig): TypeOrmModuleOptions {
  const common = {
    entities: [...SESSION_ENTITIES, PostEntity, LikeEntity],
    migrations: [...SESSION_MIGRATIONS, ...CHIRP_MIGRATIONS],
    migrationsRun: true,
    migrationsTableName: 'chirp_migrations',
    synchronize: false,
    logging: false,
    retryAttempts: 0,
  };
  const target = config.database;
  if (target.kind === 'sqlite') {
    const inMemory = target.file === ':memory:';
    if (!inMemory) mkdirSync(dirname(target.file), { recursive: true });
    return { ...common, type: 'better-sqlite3', database: target.file, enableWAL: !inMemory };
  }
  const server = {
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    database: target.database,
  };
  if (target.kind === 'postgres') {
    return { ...common, ...server, type: 'postgres', connectTimeoutMS: CONNECT_TIMEOUT_MS };
  }
  return {
    ...common,
    ...server,
    type: 'mariadb',
    charset: 'utf8mb4',
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}
