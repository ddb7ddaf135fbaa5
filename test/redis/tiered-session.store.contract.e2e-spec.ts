import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, type RedisArgument, type RedisClientType } from 'redis';
import { DataSource } from 'typeorm';
import {
  SESSION_ENTITIES,
  SESSION_MIGRATIONS,
  SessionConfigurationError,
  type SessionStore,
  TypeOrmSessionStore,
} from '../../lib/index.js';
import type { TieredRedisClient } from '../../lib/redis/tiered-redis-cache.js';
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

/** Bounded polling (no fixed sleep): `check` every millisecond for at most 2 s. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; !(await check()); i++) {
    if (i > 2_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Waits until `target` has applied the last invalidation `source` published. */
function propagated(source: TieredSessionStore, target: TieredSessionStore): Promise<void> {
  return until(
    () => target.stats.appliedSequence >= source.stats.publishedSequence,
    'the invalidation to reach the other instance',
  );
}

/** Something to hold until released; `reached` resolves once something waits on it. */
class Hold {
  private open: Promise<void> | null = null;
  private release: () => void = () => undefined;
  private arrived: () => void = () => undefined;
  /** Resolves when something waits on the hold. */
  reached = Promise.resolve();

  /** From now on, {@link pass} waits until {@link end}. */
  start(): void {
    this.open = new Promise<void>((resolve) => (this.release = resolve));
    this.reached = new Promise<void>((resolve) => (this.arrived = resolve));
  }

  /** Lets everything held go, and stops holding. */
  end(): void {
    this.open = null;
    this.release();
  }

  /** Waits while held. */
  async pass(): Promise<void> {
    if (this.open === null) return;
    this.arrived();
    await this.open;
  }
}

/** A database store whose `setPermissions` can be held before it writes. */
class HeldWriteStore extends TypeOrmSessionStore {
  readonly hold = new Hold();

  override async setPermissions(userId: string, permissions: readonly string[]) {
    await this.hold.pass();
    return super.setPermissions(userId, permissions);
  }
}

/** `redis`, except that commands naming `channel` (announced invalidations) can be held. */
function holdingClient(redis: RedisClientType, channel: string, hold: Hold): TieredRedisClient {
  return {
    get isReady() {
      return redis.isReady;
    },
    duplicate: () => redis.duplicate(),
    sendCommand: async (args: RedisArgument[], options) => {
      if (args.includes(channel)) await hold.pass();
      return redis.sendCommand(args, options);
    },
  };
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
    // Tests of the in-process layer exist only where there is one: a variant without it has
    // nothing to check, and CI runs must show no skipped test.
    const itWithLocalLayer = (name: string, test: () => Promise<void>): void => {
      if (variant.localCacheSize > 0) it(name, test);
    };
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

      /** A key prefix of its own for one test, dropped after the suite. */
      const newPrefix = (): string => {
        const keyPrefix = `ns-test:tiered:${randomBytes(6).toString('hex')}`;
        prefixes.push(keyPrefix);
        return keyPrefix;
      };

      /** A tiered store of this variant on `database` (no subscriber: it polls). */
      const tieredOn = (database: SessionStore, keyPrefix: string) =>
        new TieredSessionStore({
          database,
          redis,
          keyPrefix,
          localCacheSize: variant.localCacheSize,
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
          const keyPrefix = newPrefix();
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
        const keyPrefix = newPrefix();
        let release: () => void = () => undefined;
        const gated = new GatedStore(dataSource);
        const build = (database: TypeOrmSessionStore) => tieredOn(database, keyPrefix);
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

      /** Where the lookup was answered, from the stats before and after it. */
      async function answeredBy(store: TieredSessionStore, lookup: () => Promise<unknown>) {
        const before = store.stats;
        await lookup();
        const after = store.stats;
        if (after.localHits > before.localHits) return 'local';
        if (after.redisHits > before.redisHits) return 'redis';
        return after.databaseReads > before.databaseReads ? 'database' : 'nowhere';
      }

      it('drops at a sweep only the sessions it deleted, on every instance', async () => {
        const keyPrefix = newPrefix();
        const build = () => tieredOn(new TypeOrmSessionStore(dataSource), keyPrefix);
        const [sweeper, other] = [build(), build()];
        try {
          for (const store of [sweeper, other]) expect(await store.whenReady()).toBe(true);
          const sweepAt = Date.now() + 60_000;
          const userId = `sweep-${randomBytes(6).toString('hex')}`;
          const dead = { ...newSession(userId), expiresAt: sweepAt };
          const live = newSession(userId);
          for (const session of [dead, live]) {
            await sweeper.create(session, { permissions: [], maxSessions: null, now: 0 });
          }
          await propagated(sweeper, other); // else its fills below could be dropped by them
          for (const store of [sweeper, other]) {
            for (const { accessHash } of [dead, live]) await store.findByAccessHash(accessHash);
          }
          for (const { id } of [dead, live]) {
            await until(async () => (await redis.exists(`${keyPrefix}:s:${id}`)) === 1, 'fill');
          }

          expect(await sweeper.deleteExpired(sweepAt)).toBeGreaterThanOrEqual(1);
          await propagated(sweeper, other);

          const kept = variant.localCacheSize > 0 ? 'local' : 'redis';
          for (const store of [sweeper, other]) {
            expect(await answeredBy(store, () => store.findByAccessHash(live.accessHash))).toBe(
              kept,
            );
            expect(await store.findByAccessHash(dead.accessHash)).toBeNull();
            expect(await store.findById(dead.id)).toBeNull();
          }
        } finally {
          for (const store of [sweeper, other]) await store.close();
        }
      });

      it('never caches a session that a sweep deleted while a read of it was in flight', async () => {
        const keyPrefix = newPrefix();
        let release: () => void = () => undefined;
        const gated = new GatedStore(dataSource);
        const build = (database: TypeOrmSessionStore) => tieredOn(database, keyPrefix);
        const [reader, sweeper] = [build(gated), build(new TypeOrmSessionStore(dataSource))];
        try {
          for (const store of [reader, sweeper]) expect(await store.whenReady()).toBe(true);
          const sweepAt = Date.now() + 60_000;
          const dead = {
            ...newSession(`swept-${randomBytes(6).toString('hex')}`),
            expiresAt: sweepAt,
          };
          await sweeper.create(dead, { permissions: [], maxSessions: null, now: 0 });
          await propagated(sweeper, reader);

          // The reader misses, reads the session from the database, and is held there…
          gated.gate = new Promise<void>((resolve) => (release = resolve));
          const racing = reader.findByAccessHash(dead.accessHash);
          await Promise.race([gated.reached, racing]);
          // …while another instance sweeps it away and announces the sweep.
          expect(await sweeper.deleteExpired(sweepAt)).toBeGreaterThanOrEqual(1);
          await propagated(sweeper, reader);
          release();
          expect((await racing)?.session.id).toBe(dead.id); // it overlapped the sweep
          gated.gate = null;
          // Its Redis fill lands (fills do not look at sweeps); reads must still miss.
          await until(async () => (await redis.exists(`${keyPrefix}:s:${dead.id}`)) === 1, 'fill');

          expect(await reader.findByAccessHash(dead.accessHash)).toBeNull();
          expect(await reader.findById(dead.id)).toBeNull();
        } finally {
          release();
          for (const store of [reader, sweeper]) await store.close();
        }
      });

      itWithLocalLayer(
        'serves nothing stale on the writing instance once a write returned, whatever read meanwhile',
        async () => {
          const keyPrefix = newPrefix();
          const database = new HeldWriteStore(dataSource);
          const announce = new Hold();
          const writer = new TieredSessionStore({
            database,
            redis: holdingClient(redis, `${keyPrefix}:invalidate`, announce),
            keyPrefix,
            redisTimeout: 10_000, // held commands must not count as an outage
          });
          const redisOnly = new TieredSessionStore({
            database: new TypeOrmSessionStore(dataSource),
            redis,
            keyPrefix,
            localCacheSize: 0,
          });
          try {
            expect(await writer.whenReady()).toBe(true);
            const session = newSession(`held-${randomBytes(6).toString('hex')}`);
            await writer.create(session, { permissions: ['old'], maxSessions: null, now: 0 });
            await writer.findByAccessHash(session.accessHash); // in the writer's local layer

            // The write has invalidated Redis beforehand and is held before the database…
            database.hold.start();
            const writing = writer.setPermissions(session.userId, ['new']);
            await database.hold.reached;
            // …when a read elsewhere puts the old record back into Redis.
            const read = () => redisOnly.findByAccessHash(session.accessHash);
            await until(async () => (await answeredBy(redisOnly, read)) === 'redis', 'fill');
            // The write commits; its announced invalidation is held before Redis runs it…
            announce.start();
            database.hold.end();
            await announce.reached;
            // …while the writer serves a read (the old record: the write has not returned).
            expect(
              (await writer.findByAccessHash(session.accessHash))?.subject.permissions,
            ).toEqual(['old']);
            announce.end();
            await writing;

            expect(
              (await writer.findByAccessHash(session.accessHash))?.subject.permissions,
            ).toEqual(['new']);
          } finally {
            database.hold.end();
            announce.end();
            for (const store of [writer, redisOnly]) await store.close();
          }
        },
      );

      itWithLocalLayer(
        'lets a read racing 100 writes of other users fill the in-process layer',
        async () => {
          const keyPrefix = newPrefix();
          let release: () => void = () => undefined;
          const gated = new GatedStore(dataSource);
          const store = new TieredSessionStore({ database: gated, redis, keyPrefix });
          try {
            expect(await store.whenReady()).toBe(true);
            const session = newSession(`reader-${randomBytes(6).toString('hex')}`);
            await store.create(session, { permissions: [], maxSessions: null, now: 0 });

            gated.gate = new Promise<void>((resolve) => (release = resolve));
            const racing = store.findByAccessHash(session.accessHash);
            await Promise.race([gated.reached, racing]);
            // Each write takes one slot of the in-process invalidation log (256): a read that
            // overlapped fewer writes than that can still tell that none named its session.
            const bystander = `bystander-${randomBytes(6).toString('hex')}`;
            for (let i = 0; i < 100; i++) await store.setPermissions(bystander, [String(i)]);
            release();
            expect((await racing)?.session.id).toBe(session.id);
            gated.gate = null;

            expect(await answeredBy(store, () => store.findByAccessHash(session.accessHash))).toBe(
              'local',
            );
          } finally {
            release();
            await store.close();
          }
        },
      );

      it('answers lookups from the layers in front of the database', async () => {
        const keyPrefix = newPrefix();
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
