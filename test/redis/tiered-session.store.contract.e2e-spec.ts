import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, type RedisClientType } from 'redis';
import { DataSource } from 'typeorm';
import {
  SESSION_ENTITIES,
  SESSION_MIGRATIONS,
  SessionConfigurationError,
  TypeOrmSessionStore,
} from '../../lib/index.js';
import { TieredSessionStore } from '../../lib/redis/tiered-session.store.js';
import { createTestDatabase, describeOnDialect, type TestDatabase } from '../support/databases.js';
import { serviceAvailable } from '../support/services.js';
import { describeSessionStoreContract } from '../../lib/testing/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const redisReachable = serviceAvailable('redis');
const describeWithRedis = redisReachable ? describe : describe.skip;
if (!redisReachable) {
  process.stdout.write(
    '[skip] TieredSessionStore contract: Redis on 127.0.0.1:6379 is unreachable (mandatory in CI)\n',
  );
}

/** Deletes every key under `prefix` (the shared Redis is never flushed). */
async function dropKeys(redis: RedisClientType, prefix: string): Promise<void> {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
    if (keys.length > 0) await redis.unlink(keys);
  }
}

/** A database store whose access-hash lookups can be held after reading, to force a race. */
class GatedStore extends TypeOrmSessionStore {
  gate: Promise<void> | null = null;
  private arrived: () => void = () => undefined;
  /** Resolves when a held lookup has read the database. */
  reached = new Promise<void>((resolve) => (this.arrived = resolve));

  override async findByAccessHash(accessHash: string) {
    const found = await super.findByAccessHash(accessHash);
    if (this.gate) {
      this.arrived();
      await this.gate;
    }
    return found;
  }
}

function newSession(userId: string) {
  const now = Date.now();
  return {
    id: randomBytes(16).toString('base64url').slice(0, 22),
    userId,
    accessHash: randomBytes(32).toString('hex'),
    refreshHash: randomBytes(32).toString('hex'),
    previousRefreshHash: null,
    rotatedAt: null,
    successor: null,
    createdAt: now,
    lastActiveAt: now,
    expiresAt: now + 3_600_000,
    userAgent: null,
    ip: null,
  };
}

/**
 * The contract on the tiered store, over SQLite (in-process layer on, then off so that
 * lookups are answered by Redis) and PostgreSQL, with the Redis of 127.0.0.1:6379.
 */
const VARIANTS = [
  { dialect: 'sqlite', localCacheSize: 10_000 },
  { dialect: 'sqlite', localCacheSize: 0 },
  { dialect: 'postgres', localCacheSize: 10_000 },
] as const;

describeWithRedis('TieredSessionStore', () => {
  describe.each(VARIANTS)('on $dialect, localCacheSize $localCacheSize', (variant) => {
    describeOnDialect(variant.dialect)(`(${variant.dialect})`, () => {
      let database: TestDatabase;
      let dataSource: DataSource;
      let redis: RedisClientType;
      let subscriber: RedisClientType;
      const prefixes: string[] = [];

      beforeAll(async () => {
        database = await createTestDatabase(variant.dialect);
        dataSource = new DataSource({
          ...database.options,
          entities: SESSION_ENTITIES,
          migrations: SESSION_MIGRATIONS,
          migrationsRun: true,
        });
        await dataSource.initialize();
        redis = createClient({ url: REDIS_URL });
        redis.on('error', () => undefined);
        await redis.connect();
        subscriber = redis.duplicate();
        subscriber.on('error', () => undefined);
        await subscriber.connect();
      });

      afterAll(async () => {
        for (const prefix of prefixes) await dropKeys(redis, prefix);
        subscriber?.destroy();
        redis?.destroy();
        await dataSource?.destroy();
        await database?.drop();
      });

      describeSessionStoreContract(
        `TieredSessionStore (${variant.dialect}, local ${variant.localCacheSize})`,
        async () => {
          await dataSource.query('DELETE FROM ns_refresh_tokens');
          await dataSource.query('DELETE FROM ns_sessions');
          await dataSource.query('DELETE FROM ns_session_subjects');
          await dataSource.query('DELETE FROM ns_revocations');
          const keyPrefix = `ns-test:tiered:${randomBytes(6).toString('hex')}`;
          prefixes.push(keyPrefix);
          const store = new TieredSessionStore({
            database: new TypeOrmSessionStore(dataSource),
            redis,
            subscriber,
            keyPrefix,
            localCacheSize: variant.localCacheSize,
          });
          expect(await store.whenReady()).toBe(true);
          return {
            store,
            teardown: async () => {
              await store.close();
              await dropKeys(redis, keyPrefix);
            },
          };
        },
      );

      it('never caches what a read saw before a write that raced it', async () => {
        const keyPrefix = `ns-test:tiered:${randomBytes(6).toString('hex')}`;
        prefixes.push(keyPrefix);
        let release: () => void = () => undefined;
        const gated = new GatedStore(dataSource);
        const build = (database: TypeOrmSessionStore) =>
          new TieredSessionStore({
            database,
            redis,
            keyPrefix,
            localCacheSize: variant.localCacheSize,
          });
        const [reader, writer, third] = [
          build(gated),
          build(new TypeOrmSessionStore(dataSource)),
          build(new TypeOrmSessionStore(dataSource)),
        ];
        try {
          for (const store of [reader, writer, third]) expect(await store.whenReady()).toBe(true);
          const session = newSession(`race-${randomBytes(6).toString('hex')}`);
          await writer.create(session, { permissions: ['old'], maxSessions: null, now: 0 });

          // The reader misses, reads the database (old permissions), and is held there…
          gated.gate = new Promise<void>((resolve) => (release = resolve));
          const racing = reader.findByAccessHash(session.accessHash);
          await Promise.race([gated.reached, racing]);
          expect(gated.gate).not.toBeNull();
          // …while another instance changes the permissions and announces it.
          await writer.setPermissions(session.userId, ['new']);
          for (let i = 0; reader.stats.appliedSequence < writer.stats.publishedSequence; i++) {
            if (i > 2_000) throw new Error('the invalidation never reached the reader');
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          release();
          expect((await racing)?.subject.permissions).toEqual(['old']); // it overlapped the write
          gated.gate = null;
          expect((await reader.findByAccessHash(session.accessHash))?.subject.permissions).toEqual([
            'new',
          ]);
          await reader.close(); // waits for its Redis fill, which must not count

          for (const store of [writer, third]) {
            expect((await store.findByAccessHash(session.accessHash))?.subject.permissions).toEqual(
              ['new'],
            );
          }
          const again = build(new TypeOrmSessionStore(dataSource));
          try {
            expect((await again.findByAccessHash(session.accessHash))?.subject.permissions).toEqual(
              ['new'],
            );
            expect(again.stats.databaseReads).toBe(0); // from Redis, refilled after the write
          } finally {
            await again.close();
          }
        } finally {
          release();
          for (const store of [reader, writer, third]) await store.close();
        }
      });

      it('answers lookups from the layers in front of the database', async () => {
        const keyPrefix = `ns-test:tiered:${randomBytes(6).toString('hex')}`;
        prefixes.push(keyPrefix);
        const store = new TieredSessionStore({
          database: dataSource,
          redis,
          subscriber,
          keyPrefix,
          localCacheSize: variant.localCacheSize,
        });
        try {
          expect(await store.whenReady()).toBe(true);
          const session = newSession(`layers-${randomBytes(6).toString('hex')}`);
          await store.create(session, { permissions: ['posts:read'], maxSessions: null, now: 0 });
          for (let i = 0; i < 5; i++) {
            expect((await store.findByAccessHash(session.accessHash))?.session.id).toBe(session.id);
          }
          await store.close(); // waits for the Redis fill
          const { localHits, redisHits, databaseReads } = store.stats;
          expect(databaseReads).toBe(1);
          if (variant.localCacheSize === 0) {
            expect([localHits, redisHits]).toEqual([0, 4]);
          } else {
            expect([localHits, redisHits]).toEqual([4, 0]);
          }
          expect(await redis.exists(`${keyPrefix}:s:${session.id}`)).toBe(1);
        } finally {
          await store.close();
        }
      });
    });
  });

  it('refuses bad options, naming the fix', () => {
    const redis = createClient({ url: REDIS_URL });
    const database = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ redis: {} }, /"redis"/],
      [{ redis, database: undefined }, /"database"/],
      [{ redis, database, localTtl: 0 }, /"localTtl".*localTtl: 5000/],
      [{ redis, database, localCacheSize: -1 }, /"localCacheSize"/],
      [{ redis, database, redisTimeout: 1.5 }, /"redisTimeout"/],
      [{ redis, database, keyPrefix: '' }, /"keyPrefix"/],
      [{ redis, database }, /SESSION_ENTITIES/],
    ];
    for (const [options, message] of bad) {
      const build = () =>
        new TieredSessionStore(
          options as unknown as ConstructorParameters<typeof TieredSessionStore>[0],
        );
      expect(build).toThrow(SessionConfigurationError);
      expect(build).toThrow(message);
    }
  });
});
