import { Logger } from '@nestjs/common';
import { wholeNumberOption } from '../exceptions/option-checks.js';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import type { RevocationNotice } from '../jwt/revocation-notice.js';
import type {
  CreateSessionOptions,
  CreatedSession,
  RevocationWatch,
} from '../stores/session.store.js';
import { SessionStore } from '../stores/session.store.js';
import type {
  NewSessionRecord,
  SessionRecord,
  SessionRotation,
  StoredSession,
  UserSessions,
} from '../stores/session-record.js';
import {
  createSessionRedisClient,
  RedisCommander,
  type OwnedRedisClient,
  type RedisConnectionOptions,
  type SessionRedisClient,
} from './redis-connection.js';
import {
  decodeId,
  decodePermissions,
  decodeSession,
  encodeId,
  encodeSessionTail,
  packHash,
  RedisKeys,
  type SessionTuple,
} from './redis-keys.js';
import * as scripts from './redis-scripts.js';
import { RevocationWatches } from './revocation-channel.js';
import type { TieredRedisSubscriber } from './tiered-invalidation.js';

/**
 * Options of {@link RedisSessionStore}. Durations in milliseconds.
 * @example
 * new RedisSessionStore(client, { keyPrefix: 'chirp', commandTimeout: 250 });
 */
export interface RedisSessionStoreOptions {
  /**
   * Prefix of every key (`<prefix>:…`) and of the revocation channel; 1–64 characters of
   * `[A-Za-z0-9_.:@-]`. Give each app (or test) sharing a Redis its own.
   * @default 'ns'
   */
  readonly keyPrefix?: string;
  /**
   * Timeout of every Redis command (ms): unanswered, it is rejected (→ 503); still unsent,
   * it is dropped, never sent late. Commands share one timer per slice of
   * `min(50, commandTimeout / 10)` ms, so the cut-off comes up to that much later. Keep it
   * below the module's `storeTimeout`.
   * @default 500
   */
  readonly commandTimeout?: number;
  /**
   * On a standalone server, resolve a token's pointer and read its session, subject and
   * spent-hash set in one script (one round trip per verification), and let write scripts
   * maintain pointers themselves. Such scripts touch keys they do not declare: turn this off
   * behind proxies that route by declared keys. Always off for Redis Cluster.
   * @default true
   */
  readonly singleRoundTrip?: boolean;
  /**
   * Entries of the in-process cache of who owns a session id (and, on a cluster, a token
   * hash): the owner never changes, and every use re-checks in Redis, so a stale entry
   * only costs a miss. Saves a round trip per touch, rotate, delete and cluster lookup.
   * `0` disables it.
   * @default 10_000
   */
  readonly ownerCacheSize?: number;
  /**
   * How long a user's revocation epoch is kept after `revokeAll`, even when the user has
   * no session left (otherwise it lives as long as the user's latest session).
   * @default 86_400_000 (1 day)
   */
  readonly epochRetention?: number;
  /**
   * Also PUBLISH every revocation notice (JSON) on the channel `<prefix>:revocations`, for
   * instances that want to react at once instead of polling `readRevocations`.
   * @default true
   */
  readonly publishRevocations?: boolean;
  /**
   * The pub/sub connection on which {@link RedisSessionStore.watchRevocations} receives that
   * channel (the value-token strategy's head start over polling: a logout on one instance
   * holds on the others within a round trip). By default a `duplicate()` of the client,
   * opened by the first watch and closed with it; pass your own connection to share one, or
   * `false` for no watch (other instances' revocations then arrive by polling only).
   * @default the client's duplicate()
   */
  readonly subscriber?: TieredRedisSubscriber | false;
  /**
   * `deleteExpired` stops taking new users after this long and leaves the rest to the next
   * sweep, so one sweep never holds the store for long.
   * @default 1_000
   */
  readonly sweepBudget?: number;
}

/** Who a session belongs to, as encoded in keys, and when it ends. */
interface Owner {
  readonly sid: string;
  readonly user: string;
  /** `NaN` when unknown. */
  readonly expiresAt: number;
}

/**
 * Shortest life of a key (ms): a session ending in the past (a clock behind Redis's, or
 * tests with a manual clock) is still kept this long; the token services judge its expiry.
 */
const MIN_KEY_TTL = 60_000;
const SWEEP_BATCH = 500;
const USERS_PER_SWEEP_ROUND = 50;

/** When a key ending at `endsAt` (ms) expires: then, but not within {@link MIN_KEY_TTL}. */
function keyEnd(endsAt: number): string {
  return String(Math.max(endsAt, Date.now() + MIN_KEY_TTL));
}

/** A bulk-string or integer reply as a string; nil as `null`. */
function text(reply: unknown): string | null {
  if (typeof reply === 'string') return reply;
  if (typeof reply === 'number') return String(reply);
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : null;
}

/**
 * Sessions in Redis (standalone or Redis Cluster, Redis 7+), through a node-redis 5 client.
 * Fast and shared by every instance, but sessions live only as long as Redis keeps them.
 *
 * Every key has a TTL at its session's absolute end (at least a minute from now); only token
 * hashes are stored. All of a user's keys share one hash tag, so rotation (compare-and-swap),
 * eviction, revocation by epoch and listing are Lua scripts, atomic in one slot. Lookups by
 * token hash go through a pointer key and are re-checked in the user's slot, so a stale
 * pointer never resolves. A verification costs one round trip on a standalone server, two on
 * a cluster (one when the owner cache knows the token). See {@link RedisKeys} for the layout.
 * Revocation notices are also PUBLISHed on `<prefix>:revocations`.
 *
 * Every command times out after `commandTimeout`; with the client created as
 * {@link createSessionRedisClient} does (offline queue disabled), commands fail at once while
 * Redis is down: the library answers 503, and recovers by itself when Redis is back. Attach
 * an `'error'` listener to clients you create yourself (node-redis requires one).
 *
 * Run Redis with `maxmemory-policy noeviction`: an evicted subject key would reset the
 * user's revocation epoch. Key expiry follows the Redis server's clock, so the app's clock
 * must run in real time (the sweep, `deleteExpired(now)`, follows the app's).
 *
 * @example
 * SessionModule.forRootAsync({
 *   useFactory: () => ({ store: RedisSessionStore.fromUrl(process.env.REDIS_URL!) }),
 * });
 * // or with your own client: new RedisSessionStore(client, { keyPrefix: 'chirp' })
 */
export class RedisSessionStore extends SessionStore {
  private readonly redis: RedisCommander;
  private readonly keys: RedisKeys;
  private readonly inline: boolean;
  private readonly flag: string;
  private readonly owners = new Map<string, Owner>();
  private readonly cacheSize: number;
  private readonly epochRetention: string;
  private readonly channel: string;
  private readonly sweepBudget: number;
  private owned: OwnedRedisClient | null = null;
  private readonly client: SessionRedisClient;
  private readonly subscriber: TieredRedisSubscriber | false | undefined;
  private readonly watches = new RevocationWatches();
  private readonly logger = new Logger('RedisSessionStore');

  /**
   * @param client a node-redis 5 client (`createClient()` or `createCluster()`), connected
   * or connecting; the app keeps ownership (closing the store leaves it open).
   * @param options see {@link RedisSessionStoreOptions}
   */
  constructor(client: SessionRedisClient, options: RedisSessionStoreOptions = {}) {
    super();
    const ms = 'milliseconds';
    const commandTimeout = wholeNumberOption('commandTimeout', options.commandTimeout, {
      min: 1,
      fallback: 500,
      unit: ms,
    });
    this.keys = new RedisKeys(options.keyPrefix ?? 'ns');
    this.client = client;
    this.redis = new RedisCommander(client, commandTimeout);
    this.inline = !this.redis.cluster && (options.singleRoundTrip ?? true);
    this.flag = this.inline ? '1' : '0';
    this.cacheSize = wholeNumberOption('ownerCacheSize', options.ownerCacheSize, {
      min: 0,
      fallback: 10_000,
    });
    this.epochRetention = String(
      wholeNumberOption('epochRetention', options.epochRetention, {
        min: 0,
        fallback: 86_400_000,
        unit: ms,
      }),
    );
    this.channel = options.publishRevocations === false ? '' : this.keys.channel;
    const subscriber: unknown = options.subscriber;
    if (
      subscriber !== undefined &&
      subscriber !== false &&
      typeof (subscriber as Partial<TieredRedisSubscriber>).subscribe !== 'function'
    ) {
      throw new SessionConfigurationError(
        'subscriber',
        'must be a node-redis 5 client for pub/sub, or false',
        'pass client.duplicate() (connected or not), or leave it out',
      );
    }
    this.subscriber = options.subscriber;
    this.sweepBudget = wholeNumberOption('sweepBudget', options.sweepBudget, {
      min: 1,
      fallback: 1_000,
    });
  }

  /**
   * A store with its own client, created by {@link createSessionRedisClient} (timeouts,
   * no offline queue, reconnection); `close()` closes it. It connects in the background:
   * calls fail (→ 503) until Redis answers.
   *
   * @param url a Redis URL, or an array of cluster node URLs for Redis Cluster.
   * @example
   * const store = RedisSessionStore.fromUrl('redis://127.0.0.1:6379', { keyPrefix: 'chirp' });
   */
  static fromUrl(
    url: string | readonly string[],
    options: RedisSessionStoreOptions & RedisConnectionOptions = {},
  ): RedisSessionStore {
    const owned = createSessionRedisClient(url, options);
    let store: RedisSessionStore;
    try {
      store = new RedisSessionStore(owned.client, options);
    } catch (error) {
      // A bad option must not leave a client connecting in the background for ever.
      void owned.close();
      throw error;
    }
    store.owned = owned;
    return store;
  }

  /** Answers once Redis does (e.g. for health checks); throws otherwise. */
  async ping(): Promise<void> {
    await this.redis.send(undefined, ['PING']);
  }

  /** @inheritdoc */
  async create(session: NewSessionRecord, options: CreateSessionOptions): Promise<CreatedSession> {
    const sid = encodeId(session.id);
    const user = encodeId(session.userId);
    const owner = `${sid} ${user}`;
    const access = session.accessHash === null ? '' : packHash(session.accessHash);
    const refresh = packHash(session.refreshHash);
    const ends = keyEnd(session.expiresAt);
    if (!this.inline) {
      const writes = [
        this.set(this.keys.refreshPointer(refresh), owner, ends),
        this.set(this.keys.idPointer(sid), user, ends),
      ];
      if (access) writes.push(this.set(this.keys.accessPointer(access), owner, ends));
      await Promise.all(writes);
    }
    const { prefix } = this.keys;
    const reply = (await this.redis.run(
      scripts.CREATE,
      [this.keys.session(user, sid), this.keys.subject(user), this.keys.index(user)],
      [
        encodeSessionTail(session),
        JSON.stringify(options.permissions),
        ends,
        sid,
        String(session.createdAt),
        options.maxSessions === null ? '' : String(options.maxSessions),
        String(options.now),
        this.keys.userBase(user),
        prefix,
        this.flag,
        owner,
        access,
        refresh,
        user,
        String(session.expiresAt),
      ],
    )) as unknown[];
    const count = Number(reply[1]);
    const evicted = reply.slice(2, 2 + count).map((s) => decodeId(String(s)));
    if (!this.inline) {
      const stale = reply.slice(2 + count).map(String);
      await Promise.all([
        this.redis.del(stale),
        this.redis.run(
          scripts.REGISTER,
          [this.keys.registry],
          [String(session.expiresAt), user, ends],
        ),
      ]);
    }
    for (const id of evicted) this.owners.delete(`i:${encodeId(id)}`);
    this.remember(`i:${sid}`, { sid, user, expiresAt: session.expiresAt });
    return { epoch: Number(reply[0]), evicted };
  }

  /** @inheritdoc */
  findByAccessHash(accessHash: string): Promise<StoredSession | null> {
    return this.findByHash('a', packHash(accessHash));
  }

  /** @inheritdoc */
  findByRefreshHash(refreshHash: string): Promise<StoredSession | null> {
    return this.findByHash('r', packHash(refreshHash));
  }

  /** @inheritdoc */
  async findById(sessionId: string): Promise<StoredSession | null> {
    const sid = encodeId(sessionId);
    const cached = this.owners.get(`i:${sid}`);
    if (cached || !this.inline) {
      const owner = cached ?? (await this.ownerOf(sid));
      return owner ? this.lookup('i', sid, owner) : null;
    }
    return this.lookupPointer('i', sid, this.keys.idPointer(sid));
  }

  /** @inheritdoc */
  async touch(sessionId: string, lastActiveAt: number): Promise<void> {
    const owner = await this.ownerOf(encodeId(sessionId));
    if (!owner) return;
    await this.redis.run(
      scripts.TOUCH,
      [this.keys.session(owner.user, owner.sid)],
      [String(lastActiveAt)],
    );
  }

  /** @inheritdoc */
  async rotate(
    sessionId: string,
    expectedRefreshHash: string,
    rotation: SessionRotation,
  ): Promise<boolean> {
    const sid = encodeId(sessionId);
    let owner = await this.ownerOf(sid);
    if (owner && !this.inline && Number.isNaN(owner.expiresAt)) {
      const found = await this.lookup('i', sid, owner);
      owner = found ? { ...owner, expiresAt: found.session.expiresAt } : null;
    }
    if (!owner) return false;
    const pointer = `${sid} ${owner.user}`;
    const access = rotation.accessHash === null ? '' : packHash(rotation.accessHash);
    const refresh = packHash(rotation.refreshHash);
    const fresh = [this.keys.refreshPointer(refresh)];
    if (access) fresh.push(this.keys.accessPointer(access));
    if (!this.inline) {
      const ends = keyEnd(owner.expiresAt);
      await Promise.all(fresh.map((key) => this.set(key, pointer, ends)));
    }
    const old = text(
      await this.redis.run(
        scripts.ROTATE,
        [this.keys.session(owner.user, sid)],
        [
          packHash(expectedRefreshHash),
          access,
          refresh,
          rotation.successor,
          String(rotation.rotatedAt),
          this.flag,
          this.keys.prefix,
          pointer,
          keyEnd(0),
        ],
      ),
    );
    if (!this.inline) {
      // Losers drop the pointers they wrote; the winner drops the old access pointer.
      if (old === null) await this.redis.del(fresh);
      else if (old !== '') await this.redis.del([this.keys.accessPointer(old)]);
    }
    return old !== null;
  }

  /** @inheritdoc */
  async delete(sessionId: string): Promise<boolean> {
    const sid = encodeId(sessionId);
    const owner = await this.ownerOf(sid);
    if (!owner) return false;
    const reply = (await this.redis.run(
      scripts.DELETE,
      [this.keys.session(owner.user, sid), this.keys.index(owner.user)],
      [sid, this.keys.prefix, this.keys.userBase(owner.user), this.flag],
    )) as unknown[] | null;
    this.owners.delete(`i:${sid}`);
    if (reply === null) return false;
    if (!this.inline) await this.redis.del(reply.map(String));
    return true;
  }

  /** @inheritdoc */
  async revokeAll(userId: string, keepSessionId: string | null): Promise<number | null> {
    const user = encodeId(userId);
    const keys = [this.keys.subject(user), this.keys.index(user)];
    if (keepSessionId !== null) keys.push(this.keys.session(user, encodeId(keepSessionId)));
    const reply = (await this.redis.run(scripts.REVOKE_ALL, keys, [
      this.epochRetention,
      this.flag,
      this.keys.registry,
      user,
    ])) as [number, number] | null;
    if (reply === null) return null;
    const [epoch, sessionsEnd] = reply.map(Number);
    if (!this.inline && sessionsEnd > 0) {
      // Revoked sessions are due for the sweep now.
      await this.redis.run(
        scripts.REGISTER,
        [this.keys.registry],
        ['0', user, String(sessionsEnd)],
      );
    }
    return epoch;
  }

  /** @inheritdoc */
  async listByUser(userId: string): Promise<UserSessions> {
    const user = encodeId(userId);
    const reply = (await this.redis.run(
      scripts.LIST,
      [this.keys.subject(user), this.keys.index(user)],
      [this.keys.userBase(user)],
    )) as unknown[];
    const epoch = text(reply[1]);
    const sessions: SessionRecord[] = [];
    for (let i = 2; i < reply.length; i += 2) {
      sessions.push(decodeSession(decodeId(String(reply[i])), userId, String(reply[i + 1])));
    }
    return {
      subject:
        epoch === null
          ? null
          : { userId, permissions: decodePermissions(text(reply[0])), epoch: Number(epoch) },
      sessions,
    };
  }

  /** @inheritdoc */
  async setPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    await this.redis.run(
      scripts.SET_PERMISSIONS,
      [this.keys.subject(encodeId(userId))],
      [JSON.stringify(permissions)],
    );
  }

  /** @inheritdoc Also published on `<prefix>:revocations` unless `publishRevocations` is off. */
  async publishRevocation(notice: RevocationNotice): Promise<void> {
    await this.redis.run(
      scripts.PUBLISH_NOTICE,
      [this.keys.noticesByAt, this.keys.noticesByExpiry],
      [
        JSON.stringify(notice),
        String(notice.at),
        String(notice.expiresAt),
        this.channel,
        keyEnd(notice.expiresAt),
      ],
    );
  }

  /** @inheritdoc */
  async readRevocations(since: number): Promise<RevocationNotice[]> {
    const key = this.keys.noticesByAt;
    const reply = (await this.redis.send(key, [
      'ZRANGEBYSCORE',
      key,
      String(since),
      '+inf',
    ])) as unknown[];
    return reply.map((member) => JSON.parse(String(member)) as RevocationNotice);
  }

  /**
   * @inheritdoc
   * Visits only users due for it (a registry scored by each user's next session end, or
   * 0 after `revokeAll`), in batches, for at most `sweepBudget` ms; sessions Redis already
   * expired by TTL are gone and not counted.
   */
  async deleteExpired(now: number): Promise<number> {
    const noticeKeys = [this.keys.noticesByAt, this.keys.noticesByExpiry];
    while (Number(await this.redis.run(scripts.PRUNE_NOTICES, noticeKeys, [String(now)])) >= 500);
    const deadline = Date.now() + this.sweepBudget;
    const registry = this.keys.registry;
    let total = 0;
    do {
      const users = (
        (await this.redis.send(registry, [
          'ZRANGEBYSCORE',
          registry,
          '-inf',
          String(now),
          'LIMIT',
          '0',
          String(USERS_PER_SWEEP_ROUND),
        ])) as unknown[]
      ).map(String);
      if (users.length === 0) break;
      // Taken off first: a create landing meanwhile re-registers the user after its script.
      await this.redis.send(registry, ['ZREM', registry, ...users]);
      const swept = await Promise.all(users.map((user) => this.sweepUser(user, now, false)));
      const again = swept.flatMap((s, i) => (s.due >= 0 ? [String(s.due), users[i]] : []));
      if (again.length > 0) await this.redis.send(registry, ['ZADD', registry, 'LT', ...again]);
      total += swept.reduce((sum, s) => sum + s.deleted, 0);
    } while (Date.now() < deadline);
    return total;
  }

  /** @inheritdoc Finds users by SCAN over every master, so that it misses no one. */
  async clear(): Promise<void> {
    const { prefix, registry } = this.keys;
    for await (const indexes of this.redis.scan(this.keys.indexPattern())) {
      const users = indexes.map((key) => key.slice(prefix.length + 4, -3));
      for (const user of users) await this.sweepUser(user, 0, true);
      await this.redis.send(registry, ['ZREM', registry, ...users]);
    }
    this.owners.clear();
  }

  /**
   * @inheritdoc
   * Subscribes to `<prefix>:revocations` on the `subscriber` connection (by default a
   * `duplicate()` of the client, opened now and closed with the watch). Messages that are not
   * well-formed notices are ignored. Resolves at once: the subscription is made in the
   * background, and if it fails (Redis down at start-up, a proxy without pub/sub) that is
   * logged once and polling carries on alone. After a reconnection node-redis subscribes
   * again and `onSubscribed` is called, for the caller to read what it missed. `null` with
   * `publishRevocations: false` or `subscriber: false`, or when the client has no
   * `duplicate()`.
   */
  override watchRevocations(
    listener: (notice: RevocationNotice) => void,
    onSubscribed?: () => void,
  ): RevocationWatch | null {
    const channel = this.channel;
    if (!channel || this.subscriber === false) return null;
    const subscriber = this.subscriber ?? duplicateOf(this.client);
    if (!subscriber) return null;
    return this.watches.start({
      subscriber,
      owned: this.subscriber === undefined,
      channel,
      listener,
      logger: this.logger,
      onSubscribed,
    });
  }

  /**
   * Ends every revocation watch, then closes the client if the store created it
   * ({@link RedisSessionStore.fromUrl}).
   */
  override async close(): Promise<void> {
    await this.watches.closeAll();
    await this.owned?.close();
  }

  private async findByHash(kind: 'a' | 'r', hash: string): Promise<StoredSession | null> {
    const pointer = kind === 'a' ? this.keys.accessPointer(hash) : this.keys.refreshPointer(hash);
    if (this.inline) return this.lookupPointer(kind, hash, pointer);
    const cacheKey = `${kind}:${hash}`;
    let owner = this.owners.get(cacheKey);
    if (!owner) {
      const value = text(await this.redis.send(pointer, ['GET', pointer]));
      const space = value === null ? -1 : value.indexOf(' ');
      if (value === null || space < 0) return null;
      owner = { sid: value.slice(0, space), user: value.slice(space + 1), expiresAt: NaN };
    }
    const found = await this.lookup(kind, hash, owner);
    if (found) this.remember(cacheKey, owner);
    else this.owners.delete(cacheKey);
    return found;
  }

  /** Reads a session in its user's slot and checks that `hash` (or the id) is still its. */
  private async lookup(kind: string, hash: string, owner: Owner): Promise<StoredSession | null> {
    const reply = (await this.redis.run(
      scripts.LOOKUP,
      [this.keys.session(owner.user, owner.sid), this.keys.subject(owner.user)],
      [kind, hash],
    )) as unknown[] | null;
    return this.stored(kind, hash, owner.sid, owner.user, reply);
  }

  private async lookupPointer(
    kind: string,
    hash: string,
    pointer: string,
  ): Promise<StoredSession | null> {
    const reply = (await this.redis.run(
      scripts.LOOKUP_POINTER,
      [pointer],
      [kind, hash, this.keys.prefix],
    )) as unknown[] | null;
    if (reply === null) return null;
    return this.stored(kind, hash, String(reply[4]), String(reply[5]), reply);
  }

  private stored(
    kind: string,
    hash: string,
    sid: string,
    user: string,
    reply: unknown[] | null,
  ): StoredSession | null {
    if (reply === null) return null;
    const value = String(reply[0]);
    const tuple = JSON.parse(value) as SessionTuple;
    const belongs =
      kind === 'i' ||
      (kind === 'a' && tuple[4] === hash) ||
      (kind === 'r' && (tuple[5] === hash || tuple[6] === hash || Number(reply[3]) === 1));
    if (!belongs) return null;
    const userId = decodeId(user);
    const session = decodeSession(decodeId(sid), userId, tuple);
    this.remember(`i:${sid}`, { sid, user, expiresAt: session.expiresAt });
    return {
      session,
      subject: {
        userId,
        permissions: decodePermissions(text(reply[1])),
        epoch: Number(reply[2]),
      },
    };
  }

  /** The owner of encoded session id `sid`, from the cache or its pointer. */
  private async ownerOf(sid: string): Promise<Owner | null> {
    const cached = this.owners.get(`i:${sid}`);
    if (cached) return cached;
    const pointer = this.keys.idPointer(sid);
    const user = text(await this.redis.send(pointer, ['GET', pointer]));
    return user === null ? null : { sid, user, expiresAt: NaN };
  }

  private remember(key: string, owner: Owner): void {
    if (this.cacheSize <= 0 || this.owners.has(key)) return;
    if (this.owners.size >= this.cacheSize) {
      this.owners.delete(this.owners.keys().next().value as string);
    }
    this.owners.set(key, owner);
  }

  private set(key: string, value: string, endsAt: string): Promise<unknown> {
    return this.redis.send(key, ['SET', key, value, 'PXAT', endsAt]);
  }

  /** Sweeps (or, with `clear`, empties) one user's sessions, batch by batch. */
  private async sweepUser(
    user: string,
    now: number,
    clear: boolean,
  ): Promise<{ deleted: number; due: number }> {
    let deleted = 0;
    let due = -1;
    let start = 0;
    while (start >= 0) {
      const reply = (await this.redis.run(
        scripts.SWEEP,
        [this.keys.subject(user), this.keys.index(user)],
        [
          this.keys.userBase(user),
          String(now),
          String(start),
          String(SWEEP_BATCH),
          this.keys.prefix,
          this.flag,
          clear ? '1' : '0',
        ],
      )) as unknown[];
      if (!this.inline) await this.redis.del(reply.slice(3).map(String));
      deleted += Number(reply[0]);
      const batchDue = Number(reply[1]);
      if (batchDue >= 0 && (due < 0 || batchDue < due)) due = batchDue;
      start = Number(reply[2]);
    }
    return { deleted, due };
  }
}

/** A new connection like `client`, for pub/sub, or `null` if it cannot make one. */
function duplicateOf(client: SessionRedisClient): TieredRedisSubscriber | null {
  const duplicate = (client as { duplicate?: () => TieredRedisSubscriber }).duplicate;
  return typeof duplicate === 'function' ? duplicate.call(client) : null;
}
