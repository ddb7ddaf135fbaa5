import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Logger, type LoggerService } from '@nestjs/common';
import type { RevocationNotice } from '../jwt/revocation-notice.js';
import type {
  NewSessionRecord,
  SessionRotation,
  StoredSession,
  UserSessions,
} from '../stores/session-record.js';
import {
  SessionStore,
  type CreateSessionOptions,
  type CreatedSession,
  type RevocationWatch,
} from '../stores/session.store.js';
import { probeStore } from '../stores/probe-store.js';
import { TypeOrmSessionStore } from '../stores/typeorm-session.store.js';
import { LocalSessionCache } from './local-session-cache.js';
import { RevocationWatches } from './revocation-channel.js';
import {
  scopeOf,
  TieredInvalidationListener,
  type InvalidationMessage,
  type InvalidationScope,
  type TieredRedisSubscriber,
} from './tiered-invalidation.js';
import { TieredRedisCache, type TieredRedisClient } from './tiered-redis-cache.js';
import {
  resolveTieredOptions,
  type TieredSessionStoreOptions,
  type TieredStoreHealth,
  type TieredStoreStats,
} from './tiered-session-store.options.js';

export type {
  TieredSessionStoreOptions,
  TieredStoreHealth,
  TieredStoreStats,
} from './tiered-session-store.options.js';

/** A database read slower than this (ms) does not fill Redis: its tag may be too old. */
const FILL_DEADLINE = 10_000;
/** ms between retries of `lastActiveAt` writes deferred while the database was down. */
const TOUCH_RETRY_INTERVAL = 1_000;
/** Timeout (ms) of the database probe in {@link TieredSessionStore.health}. */
const HEALTH_TIMEOUT = 1_000;

/**
 * Sessions in a SQL database, served through Redis and a small in-process cache: the database
 * (a {@link TypeOrmSessionStore}) is the truth, so sessions survive a restart of anything but
 * the database; the common verification is answered from process memory, with no I/O.
 *
 * **Reads** (`findByAccessHash`, `findById`): in-process layer → Redis → database, refilling
 * the layers above. `findByRefreshHash`, `listByUser` and `readRevocations` read the database.
 *
 * **Writes** go to the database first, then invalidate: the changed user (login, revocation of
 * all sessions, permission change) or session (rotation, logout) is invalidated in Redis with
 * an increasing sequence number and announced on `<keyPrefix>:invalidate`, where every
 * instance drops the matching in-process entries. A Redis entry carries the sequence read
 * before the database read that produced it, and is valid only while no invalidation of its
 * user, its session or everything is newer, so a read racing a write never caches stale data.
 * `touch` updates `lastActiveAt` in the caches without invalidating anything.
 *
 * **Consistency bound**: a logout or permission change on one instance holds on every other
 * from the moment the invalidation message reaches it (pub/sub latency: measured p50 0.35 ms,
 * max ~6 ms on one loaded 2-core host). The in-process layer serves only while heartbeats prove
 * the channel alive (within 3 × `heartbeatInterval`): on a disconnect, a failed Redis call or
 * missing heartbeats it is emptied and bypassed until a heartbeat comes back. Coming back from
 * an outage, an instance invalidates everything in Redis before using it again, since writes
 * made meanwhile (anywhere) could not invalidate it. Two cases remain bounded by `redisTtl`
 * only: an instance cut off from Redis while others still reach it (its writes invalidate when
 * it reconnects), and a process dying between a database commit and the invalidation after it
 * (entries read during that write's transaction).
 *
 * **Failure policy** (every Redis call has `redisTimeout`; nothing hangs):
 *
 * | | verify (reference tokens), `findById` | login, refresh, logout, revoke, permissions |
 * | --- | --- | --- |
 * | all up | in-process hit, else Redis, else database | database, then invalidation |
 * | Redis down or hanging | database (in-process layer off); one warning per outage, one line when back; Redis invalidated then refilled lazily | database; the invalidation is skipped (Redis is invalidated wholesale when back) |
 * | database down | in-process layer, then Redis (hits extend their TTL); a session in neither → 503 | 503; caches untouched once the store knows the database is down |
 * | both down | 503 | 503 |
 *
 * While the database is down, `touch` records activity in the caches and retries the database
 * every second, so sessions in use do not idle out.
 *
 * @example
 * SessionModule.forRootAsync({
 *   inject: [DataSource, REDIS],
 *   useFactory: async (dataSource: DataSource, redis: RedisClientType) => {
 *     const store = new TieredSessionStore({ database: dataSource, redis });
 *     await store.whenReady();
 *     return { store };
 *   },
 * })
 */
export class TieredSessionStore extends SessionStore {
  private readonly database: SessionStore;
  private readonly redis: TieredRedisCache;
  private readonly cache: LocalSessionCache;
  private readonly listener: TieredInvalidationListener;
  private readonly logger: LoggerService;
  private readonly redisTtl: number;
  private readonly origin: string;
  private readonly inflight = new Map<string, Promise<StoredSession | null>>();
  private readonly deferredTouches = new Map<string, number>();
  private touchTimer: NodeJS.Timeout | null = null;
  private retryingTouches = false;
  private databaseUp = true;
  private publishedSequence = 0;
  private localHits = 0;
  private redisHits = 0;
  private databaseReads = 0;
  private readonly redisClient: TieredRedisClient;
  private readonly subscriber: TieredRedisSubscriber | undefined;
  private readonly revocationChannel: string;
  private readonly watches = new RevocationWatches();

  /** @param options see {@link TieredSessionStoreOptions}; `database` and `redis` are required. */
  constructor(options: TieredSessionStoreOptions) {
    super();
    const {
      keyPrefix,
      localCacheSize,
      localTtl,
      redisTtl,
      redisTimeout,
      redisRetryInterval,
      heartbeatInterval,
    } = resolveTieredOptions(options);
    this.redisTtl = redisTtl;

    this.database =
      options.database instanceof SessionStore
        ? options.database
        : new TypeOrmSessionStore(options.database);
    this.logger = options.logger ?? new Logger(TieredSessionStore.name);
    this.cache = new LocalSessionCache(localCacheSize, localTtl);
    this.origin = randomBytes(6).toString('hex');
    const origin = this.origin;
    const channel = `${keyPrefix}:invalidate`;
    this.redisClient = options.redis;
    this.subscriber = options.subscriber;
    this.revocationChannel = `${keyPrefix}:revocations`;
    this.redis = new TieredRedisCache(options.redis, {
      prefix: `${keyPrefix}:`,
      channel,
      origin,
      timeout: redisTimeout,
      ttl: this.redisTtl,
      retryInterval: redisRetryInterval,
      logger: this.logger,
      // Without Redis, invalidations may be missed: the in-process layer waits for the channel
      // to prove itself again (a heartbeat needs Redis back).
      onDown: () => this.listener.desync(),
      onRecovered: () => this.applyLocally(scopeOf({ all: true })),
    });
    this.listener = new TieredInvalidationListener({
      subscriber: options.subscriber ?? options.redis.duplicate(),
      ownsSubscriber: options.subscriber === undefined,
      channel,
      heartbeatChannel: `${keyPrefix}:hb:${origin}`,
      heartbeatInterval,
      publishHeartbeat: (payload) => this.redis.publish(`${keyPrefix}:hb:${origin}`, payload),
      onInvalidation: (message) => this.received(message),
      onDesync: () => this.applyLocally(scopeOf({ all: true })),
      logger: this.logger,
    });
    void this.listener.start();
  }

  /**
   * Resolves `true` once the in-process layer is in sync with the invalidation channel, or
   * `false` after `timeout` ms. Until then every read goes to Redis or the database; awaiting
   * this (e.g. in `useFactory`) only makes the first requests faster.
   * @param timeout ms to wait at most. @default 2_000
   */
  whenReady(timeout = 2_000): Promise<boolean> {
    return this.listener.whenSynced(timeout);
  }

  /** @inheritdoc */
  findByAccessHash(accessHash: string): Promise<StoredSession | null> {
    const now = Date.now();
    if (this.listener.isSynced(now)) {
      const hit = this.cache.getByAccess(accessHash, now);
      if (hit !== undefined) {
        this.localHits++;
        return Promise.resolve(hit);
      }
    }
    return this.load('a', accessHash);
  }

  /** @inheritdoc */
  findById(sessionId: string): Promise<StoredSession | null> {
    const now = Date.now();
    if (this.listener.isSynced(now)) {
      const hit = this.cache.getById(sessionId, now);
      if (hit !== undefined) {
        this.localHits++;
        return Promise.resolve(hit);
      }
    }
    return this.load('i', sessionId);
  }

  /** @inheritdoc Always reads the database: refresh is rare and must see every spent token. */
  findByRefreshHash(refreshHash: string): Promise<StoredSession | null> {
    return this.fromDatabase((db) => db.findByRefreshHash(refreshHash));
  }

  /** @inheritdoc Always reads the database. */
  listByUser(userId: string): Promise<UserSessions> {
    return this.fromDatabase((db) => db.listByUser(userId));
  }

  /** @inheritdoc */
  create(session: NewSessionRecord, options: CreateSessionOptions): Promise<CreatedSession> {
    // The user's permissions are rewritten, and sessions beyond maxSessions evicted.
    return this.write(scopeOf({ users: [session.userId] }), (db) => db.create(session, options));
  }

  /** @inheritdoc */
  rotate(
    sessionId: string,
    expectedRefreshHash: string,
    rotation: SessionRotation,
  ): Promise<boolean> {
    return this.write(scopeOf({ sessions: [sessionId] }), (db) =>
      db.rotate(sessionId, expectedRefreshHash, rotation),
    );
  }

  /** @inheritdoc */
  delete(sessionId: string): Promise<boolean> {
    return this.write(scopeOf({ sessions: [sessionId] }), (db) => db.delete(sessionId));
  }

  /** @inheritdoc */
  revokeAll(userId: string, keepSessionId: string | null): Promise<number | null> {
    return this.write(scopeOf({ users: [userId] }), (db) => db.revokeAll(userId, keepSessionId));
  }

  /** @inheritdoc */
  setPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    return this.write(scopeOf({ users: [userId] }), (db) => db.setPermissions(userId, permissions));
  }

  /** @inheritdoc */
  clear(): Promise<void> {
    return this.write(scopeOf({ all: true }), (db) => db.clear());
  }

  /**
   * @inheritdoc Cached entries of the sessions it deleted stop being served: every in-process
   * layer drops the entries no longer live at `now`, and Redis entries filled before the
   * sweep are checked against it. Live entries stay cached.
   */
  async deleteExpired(now: number): Promise<number> {
    const reachable = this.databaseUp;
    let deleted = -1;
    try {
      deleted = await this.fromDatabase((db) => db.deleteExpired(now));
      return deleted;
    } finally {
      // -1: it failed, perhaps after deleting a batch.
      if (deleted > 0 || (deleted === -1 && reachable)) {
        await this.invalidate(scopeOf({ sweep: now }));
      }
    }
  }

  /**
   * @inheritdoc Written to the database, then to the caches without invalidating anything.
   * If the database is down but a cache holds the session, activity is recorded there and the
   * database write is retried every second until it succeeds.
   */
  async touch(sessionId: string, lastActiveAt: number): Promise<void> {
    try {
      await this.fromDatabase((db) => db.touch(sessionId, lastActiveAt));
    } catch (error) {
      const held = this.cache.touch(sessionId, lastActiveAt);
      const cached = await this.redis.touch(sessionId, lastActiveAt);
      if (!held && !cached) throw error;
      this.deferTouch(sessionId, lastActiveAt);
      return;
    }
    this.cache.touch(sessionId, lastActiveAt);
    await this.redis.touch(sessionId, lastActiveAt);
  }

  /**
   * @inheritdoc
   * Kept in the database, which every instance polls, then also published on
   * `<keyPrefix>:revocations` for {@link watchRevocations}, best effort: without Redis, the
   * other instances read it from the database at their next poll.
   */
  async publishRevocation(notice: RevocationNotice): Promise<void> {
    await this.fromDatabase((db) => db.publishRevocation(notice));
    await this.redis.publish(this.revocationChannel, JSON.stringify(notice));
  }

  /**
   * @inheritdoc
   * Subscribes to `<keyPrefix>:revocations` on the `subscriber` connection if one was given,
   * else on a new `duplicate()` of the Redis client, closed with the watch (or the store).
   */
  override watchRevocations(
    listener: (notice: RevocationNotice) => void,
    onSubscribed?: () => void,
  ): RevocationWatch | null {
    return this.watches.start({
      subscriber: this.subscriber ?? this.redisClient.duplicate(),
      owned: this.subscriber === undefined,
      channel: this.revocationChannel,
      listener,
      logger: this.logger,
      onSubscribed,
    });
  }

  /** @inheritdoc */
  readRevocations(since: number): Promise<RevocationNotice[]> {
    return this.fromDatabase((db) => db.readRevocations(since));
  }

  /**
   * Probes every layer: Redis with a `PING` (within `redisTimeout`), the database with a
   * primary-key lookup (within 1 s). Never throws.
   *
   * @example
   * const { local, redis, database } = await store.health();
   */
  async health(): Promise<TieredStoreHealth> {
    const [redis, database] = await Promise.all([
      this.redis.ping(),
      probeStore(this.database, HEALTH_TIMEOUT),
    ]);
    let status: TieredStoreHealth['local']['status'] = 'disabled';
    if (this.cache.capacity > 0) {
      status = this.listener.isSynced(Date.now()) ? 'in-sync' : 'bypassed';
    }
    return {
      local: { status, entries: this.cache.size, capacity: this.cache.capacity },
      redis: redis ? 'up' : 'down',
      database: database ? 'up' : 'down',
    };
  }

  /** Counters since construction: where lookups were answered, invalidation sequences. */
  get stats(): TieredStoreStats {
    return {
      localHits: this.localHits,
      redisHits: this.redisHits,
      databaseReads: this.databaseReads,
      invalidationsReceived: this.listener.received,
      publishedSequence: this.publishedSequence,
      appliedSequence: this.listener.appliedSequence,
    };
  }

  /**
   * Stops timers, leaves the channel (closing the pub/sub connection if this store opened it),
   * waits for Redis fills in flight and closes the database store. The `redis` client and the
   * `DataSource` stay open: they belong to the app.
   */
  override async close(): Promise<void> {
    if (this.touchTimer) clearInterval(this.touchTimer);
    this.touchTimer = null;
    await this.watches.closeAll();
    await this.listener.close();
    await this.redis.close();
    this.applyLocally(scopeOf({ all: true }));
    await this.database.close();
  }

  /** One read per key at a time: concurrent misses share it (dropped at any invalidation). */
  private load(mode: 'a' | 'i', key: string): Promise<StoredSession | null> {
    const id = mode + key;
    const pending = this.inflight.get(id);
    if (pending !== undefined) return pending;
    const read = this.readThrough(mode, key).finally(() => {
      if (this.inflight.get(id) === read) this.inflight.delete(id);
    });
    this.inflight.set(id, read);
    return read;
  }

  private async readThrough(mode: 'a' | 'i', key: string): Promise<StoredSession | null> {
    const mark = this.cache.mark();
    const startedAt = performance.now();
    const cached = await this.redis.read(mode, key, this.databaseUp ? 0 : this.redisTtl);
    if (cached?.hit) {
      this.redisHits++;
      this.fillLocal(mark, cached.stored);
      return cached.stored;
    }
    this.databaseReads++;
    const stored = await this.fromDatabase((db) =>
      mode === 'a' ? db.findByAccessHash(key) : db.findById(key),
    );
    if (stored === null) return null;
    this.fillLocal(mark, stored);
    if (cached && performance.now() - startedAt < FILL_DEADLINE) {
      this.redis.fill(stored, cached.sequence);
    }
    return stored;
  }

  private fillLocal(mark: number, stored: StoredSession): void {
    const now = Date.now();
    if (this.listener.isSynced(now) && this.cache.canFill(mark, stored)) {
      this.cache.set(stored, now);
    }
  }

  /**
   * Database first, then the scope is invalidated everywhere. A write that fails is
   * invalidated too (it may have committed before the error), unless the database was
   * already known to be down when it started: then it never reached it, and the cached
   * sessions keep verifying.
   */
  private async write<T>(
    scope: InvalidationScope,
    operation: (db: SessionStore) => Promise<T>,
  ): Promise<T> {
    const reachable = this.databaseUp;
    // Before, in Redis only: a process dying between the database write and the invalidation
    // after it must not leave entries read before the write valid for the whole redisTtl.
    // In-process layers hold an entry for localTtl at most: they need nothing yet.
    if (reachable) await this.redis.invalidate(scope, false);
    let written = false;
    try {
      const result = await this.fromDatabase(operation);
      written = true;
      return result;
    } finally {
      if (written || reachable) await this.invalidate(scope);
    }
  }

  /**
   * Invalidates `scope` in Redis, announcing it to the other instances, then in this
   * instance's in-process layer. Local after Redis, so that no read of this instance can fill
   * the layer from an entry the script was about to invalidate: a read that started before
   * is refused by {@link LocalSessionCache.canFill}, one that starts after reads Redis after
   * the script ran.
   */
  private async invalidate(scope: InvalidationScope): Promise<void> {
    const sequence = await this.redis.invalidate(scope, true);
    this.applyLocally(scope);
    if (sequence !== null) this.publishedSequence = Math.max(this.publishedSequence, sequence);
  }

  /**
   * Drops what `scope` names from the in-process layer, and every read in flight: a read
   * started after the invalidation must not join one that may have seen the old value.
   */
  private applyLocally(scope: InvalidationScope): void {
    this.inflight.clear();
    this.cache.invalidate(scope);
  }

  private received(message: InvalidationMessage): void {
    // This instance applied its own invalidations already, once Redis had taken them.
    if (message.origin !== this.origin) this.applyLocally(message.scope);
  }

  private async fromDatabase<T>(operation: (db: SessionStore) => Promise<T>): Promise<T> {
    try {
      const result = await operation(this.database);
      if (!this.databaseUp) {
        this.databaseUp = true;
        this.logger.log('Database answers again');
        void this.retryTouches();
      }
      return result;
    } catch (error) {
      if (this.databaseUp) {
        this.databaseUp = false;
        this.logger.warn(
          `Database unavailable (${(error as Error).message}): cached sessions keep ` +
            'verifying; logins and revocations fail until it is back',
        );
      }
      throw error;
    }
  }

  private deferTouch(sessionId: string, lastActiveAt: number): void {
    const previous = this.deferredTouches.get(sessionId) ?? 0;
    this.deferredTouches.delete(sessionId);
    const limit = Math.max(this.cache.capacity, 1_000);
    while (this.deferredTouches.size >= limit) {
      const oldest = this.deferredTouches.keys().next();
      if (oldest.done) break;
      this.deferredTouches.delete(oldest.value);
    }
    this.deferredTouches.set(sessionId, Math.max(previous, lastActiveAt));
    if (this.touchTimer === null) {
      this.touchTimer = setInterval(() => void this.retryTouches(), TOUCH_RETRY_INTERVAL);
      this.touchTimer.unref();
    }
  }

  private async retryTouches(): Promise<void> {
    if (this.retryingTouches) return;
    this.retryingTouches = true;
    try {
      for (const [sessionId, lastActiveAt] of [...this.deferredTouches]) {
        await this.fromDatabase((db) => db.touch(sessionId, lastActiveAt));
        if (this.deferredTouches.get(sessionId) === lastActiveAt) {
          this.deferredTouches.delete(sessionId);
        }
      }
      if (this.deferredTouches.size === 0 && this.touchTimer !== null) {
        clearInterval(this.touchTimer);
        this.touchTimer = null;
      }
    } catch {
      // Still down: the timer tries again.
    } finally {
      this.retryingTouches = false;
    }
  }
}
