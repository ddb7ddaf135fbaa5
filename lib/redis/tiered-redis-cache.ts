import type { LoggerService } from '@nestjs/common';
import { isSessionLive, type StoredSession } from '../stores/session-record.js';
import { RedisCommander, type StandaloneRedisClient } from './redis-connection.js';
import { redisScript, type RedisScript } from './redis-scripts.js';
import {
  encodeScope,
  type InvalidationScope,
  type TieredRedisSubscriber,
} from './tiered-invalidation.js';

/**
 * The part of a node-redis v5 client that {@link TieredSessionStore} uses. A standalone
 * `RedisClientType` (from `createClient()`) satisfies it. Redis Cluster is not supported: the
 * store's Lua scripts touch keys named inside the script.
 */
export interface TieredRedisClient extends StandaloneRedisClient {
  /** Whether the connection is ready for commands. */
  readonly isReady: boolean;
  /** A new, unconnected client with the same options (used for the pub/sub connection). */
  duplicate(): TieredRedisSubscriber;
}

/** Answer of {@link TieredRedisCache.read}. */
export type RedisRead =
  | {
      /** A valid entry. */
      readonly hit: true;
      /** The cached session with its subject. */
      readonly stored: StoredSession;
    }
  | {
      /** No valid entry. */
      readonly hit: false;
      /** Tag for a fill from a database read started after this answer. */
      readonly sequence: string;
    };

// Key layout under the prefix `p` (ids and hashes are appended as they are):
//   p s:<sessionId>  hash {t: tag, u: userId, d: StoredSession JSON, la: lastActiveAt}
//   p a:<accessHash> string sessionId (a pointer, checked against the entry's accessHash)
//   p u:<userId>     sequence of the user's last invalidation
//   p v:<sessionId>  sequence of the session's last invalidation
//   p all            sequence of the last invalidation of everything
//   p sweep          hash {s: sequence of the last sweep, m: greatest `now` swept}
//   p seq            the sequence counter, started from the server clock in µs
// An entry is valid iff no invalidation naming its user, its session or everything carries a
// sequence greater than its tag, the sequence read *before* the database read that filled it.

const READ = `
local p = ARGV[1]
local seq = redis.call('GET', p .. 'seq') or '0'
local sid = ARGV[3]
if ARGV[2] == 'a' then
  sid = redis.call('GET', p .. 'a:' .. ARGV[3])
  if not sid then return {'0', seq} end
end
local k = p .. 's:' .. sid
local e = redis.call('HMGET', k, 't', 'u', 'd', 'la')
if not e[1] or not e[2] or not e[3] then return {'0', seq} end
local tag = tonumber(e[1])
local v = redis.call('MGET', p .. 'u:' .. e[2], p .. 'v:' .. sid, p .. 'all')
for i = 1, 3 do
  if v[i] and tonumber(v[i]) > tag then return {'0', seq} end
end
local extend = tonumber(ARGV[4])
if extend > 0 then
  redis.call('PEXPIRE', k, extend)
  if ARGV[2] == 'a' then redis.call('PEXPIRE', p .. 'a:' .. ARGV[3], extend) end
end
local sw = redis.call('HMGET', p .. 'sweep', 's', 'm')
return {'1', seq, e[1], e[3], e[4] or '0', sw[1] or '0', sw[2] or '0'}
`;

const FILL = `
local p = ARGV[1]
local sid = ARGV[2]
local tag = tonumber(ARGV[3])
local k = p .. 's:' .. sid
local v = redis.call('MGET', p .. 'u:' .. ARGV[4], p .. 'v:' .. sid, p .. 'all')
for i = 1, 3 do
  if v[i] and tonumber(v[i]) > tag then return 0 end
end
local cur = redis.call('HMGET', k, 't', 'la')
if not cur[1] or tonumber(cur[1]) < tag then
  local la = ARGV[6]
  if cur[2] and tonumber(cur[2]) > tonumber(la) then la = cur[2] end
  redis.call('HSET', k, 't', ARGV[3], 'u', ARGV[4], 'd', ARGV[5], 'la', la)
  redis.call('PEXPIRE', k, ARGV[8])
end
if ARGV[7] ~= '' then redis.call('SET', p .. 'a:' .. ARGV[7], sid, 'PX', ARGV[8]) end
return 1
`;

const TOUCH = `
local k = ARGV[1] .. 's:' .. ARGV[2]
local la = redis.call('HGET', k, 'la')
if la and tonumber(la) < tonumber(ARGV[3]) then
  redis.call('HSET', k, 'la', ARGV[3])
  return 1
end
if la then return 1 end
return 0
`;

const INVALIDATE = `
local p = ARGV[1]
local seqKey = p .. 'seq'
if redis.call('EXISTS', seqKey) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', seqKey, t[1] .. string.format('%06d', tonumber(t[2])))
end
local s = string.format('%.0f', redis.call('INCR', seqKey))
local ttl = ARGV[3]
if ARGV[4] == '1' then redis.call('SET', p .. 'all', s) end
if ARGV[5] ~= '' then
  local m = redis.call('HGET', p .. 'sweep', 'm')
  if not m or tonumber(m) < tonumber(ARGV[5]) then m = ARGV[5] end
  redis.call('HSET', p .. 'sweep', 's', s, 'm', m)
end
local n = tonumber(ARGV[7])
for i = 8, 7 + n do
  redis.call('SET', p .. 'u:' .. ARGV[i], s, 'PX', ttl)
end
for i = 8 + n, #ARGV do
  redis.call('SET', p .. 'v:' .. ARGV[i], s, 'PX', ttl)
  redis.call('DEL', p .. 's:' .. ARGV[i])
end
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], s .. '|' .. ARGV[6]) end
return s
`;

const SCRIPTS = {
  read: redisScript('tiered-read', READ),
  fill: redisScript('tiered-fill', FILL),
  touch: redisScript('tiered-touch', TOUCH),
  invalidate: redisScript('tiered-invalidate', INVALIDATE),
} as const;

/** Version keys outlive any entry they judge by this much (ms). */
const VERSION_MARGIN = 60_000;

/** Options of {@link TieredRedisCache}. */
export interface TieredRedisCacheOptions {
  /** Prefix of every key, ending in `:`. */
  readonly prefix: string;
  /** Invalidation channel. */
  readonly channel: string;
  /** Id of this instance, sent with its invalidations. */
  readonly origin: string;
  /** Timeout of every Redis call (ms). */
  readonly timeout: number;
  /** Lifetime of a cached entry (ms). */
  readonly ttl: number;
  /** ms between probes while Redis is considered down. */
  readonly retryInterval: number;
  /** Where outages are logged (once when they start, once when they end). */
  readonly logger: Pick<LoggerService, 'warn' | 'log'>;
  /** Called when Redis is marked down. */
  readonly onDown: () => void;
  /** Called once Redis is back and every cached entry was invalidated. */
  readonly onRecovered: () => void;
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

/**
 * The Redis layer of {@link TieredSessionStore}: tagged session entries validated against
 * invalidation sequences (see the key layout above), each operation one Lua script and one
 * round trip, sent through a {@link RedisCommander} (every command bounded by `timeout`,
 * scripts by EVALSHA with an EVAL fallback).
 *
 * Failure policy: no method ever throws. A failed or timed-out call marks Redis down (logged
 * once), after which calls are skipped (answering "unavailable") until a probe every
 * `retryInterval` succeeds. Coming back, it first invalidates everything (entries may have
 * missed invalidations of writes made during the outage), then resumes: Redis refills lazily.
 *
 * @example
 * const cache = new TieredRedisCache(client, { prefix: 'ns:tiered:', timeout: 150, ... });
 * const read = await cache.read('a', accessHash, 0); // null: Redis unavailable
 */
export class TieredRedisCache {
  private state: 'up' | 'down' | 'recovering' | 'closed' = 'up';
  private probe: NodeJS.Timeout | null = null;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly commander: RedisCommander;

  constructor(
    private readonly client: TieredRedisClient,
    private readonly options: TieredRedisCacheOptions,
  ) {
    this.commander = new RedisCommander(client, options.timeout);
  }

  /** Whether Redis is used right now (connected and not marked down). */
  get up(): boolean {
    return this.state === 'up' && this.client.isReady;
  }

  /**
   * Looks a session up by access hash (`mode` `'a'`) or id (`'i'`).
   * @param extend when > 0, a hit's lifetime is reset to this many ms (the database is down).
   * @returns `null` when Redis is unavailable.
   */
  async read(mode: 'a' | 'i', key: string, extend: number): Promise<RedisRead | null> {
    const reply = await this.run<(string | null)[]>(SCRIPTS.read, [
      this.options.prefix,
      mode,
      key,
      String(extend),
    ]);
    if (!Array.isArray(reply) || typeof reply[1] !== 'string') return null;
    const sequence = reply[1];
    if (reply[0] !== '1') return { hit: false, sequence };
    const [, , tag, data, lastActiveAt, sweepSequence, sweptUpTo] = reply;
    let stored: StoredSession;
    try {
      stored = JSON.parse(String(data)) as StoredSession;
    } catch {
      return { hit: false, sequence };
    }
    const { session, subject } = stored;
    if (mode === 'a' && session.accessHash !== key) return { hit: false, sequence };
    // A sweep after the fill deleted the sessions it judged dead; the entry cannot tell.
    if (Number(sweepSequence) > Number(tag) && !isSessionLive(stored, Number(sweptUpTo))) {
      return { hit: false, sequence };
    }
    const la = Number(lastActiveAt);
    return {
      hit: true,
      stored:
        la > session.lastActiveAt ? { session: { ...session, lastActiveAt: la }, subject } : stored,
    };
  }

  /**
   * Caches `stored`, read from the database after a miss answered `sequence`. Skipped if an
   * invalidation since makes it stale. Not awaited by readers; {@link settle} waits for it.
   */
  fill(stored: StoredSession, sequence: string): void {
    const { session } = stored;
    const ttl = Math.min(this.options.ttl, session.expiresAt - Date.now());
    if (ttl <= 0) return;
    const fill = this.run(SCRIPTS.fill, [
      this.options.prefix,
      session.id,
      sequence,
      session.userId,
      JSON.stringify(stored),
      String(session.lastActiveAt),
      session.accessHash ?? '',
      String(Math.ceil(ttl)),
    ]);
    this.pending.add(fill);
    void fill.finally(() => this.pending.delete(fill));
  }

  /** Moves a cached entry's `lastActiveAt` forward. @returns whether an entry was there. */
  async touch(sessionId: string, lastActiveAt: number): Promise<boolean> {
    const reply = await this.run<number>(SCRIPTS.touch, [
      this.options.prefix,
      sessionId,
      String(lastActiveAt),
    ]);
    return reply === 1;
  }

  /**
   * Invalidates `scope` in Redis and, with `publish`, announces it on the channel in the same
   * atomic step. @returns the invalidation's sequence, or `null` if Redis did not take it.
   */
  async invalidate(scope: InvalidationScope, publish: boolean): Promise<number | null> {
    return this.invalidateNow(scope, publish, false);
  }

  /** Publishes `payload` on `channel`. @returns whether Redis took it. */
  async publish(channel: string, payload: string): Promise<boolean> {
    const reply = await this.attempt(() =>
      this.commander.send(undefined, ['PUBLISH', channel, payload]),
    );
    return reply !== undefined;
  }

  /** An active check for health reports: `PING` within the timeout, and not marked down. */
  async ping(): Promise<boolean> {
    if (!this.client.isReady) return false;
    try {
      await this.commander.send(undefined, ['PING']);
      return this.state === 'up';
    } catch {
      return false;
    }
  }

  /** Waits for fills in flight. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** Stops probing; later calls are skipped. */
  async close(): Promise<void> {
    await this.settle();
    this.state = 'closed';
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  private async invalidateNow(
    scope: InvalidationScope,
    publish: boolean,
    force: boolean,
  ): Promise<number | null> {
    const { prefix, channel, origin } = this.options;
    const reply = await this.run<string>(
      SCRIPTS.invalidate,
      [
        prefix,
        publish ? channel : '',
        String(this.options.ttl + VERSION_MARGIN),
        scope.all ? '1' : '0',
        scope.sweep === null ? '' : String(scope.sweep),
        encodeScope(origin, scope),
        String(scope.users.length),
        ...scope.users,
        ...scope.sessions,
      ],
      force,
    );
    return reply === undefined ? null : Number(reply);
  }

  /** Runs `script` (it names its keys itself, from the prefix in `args`). */
  private run<T>(script: RedisScript, args: string[], force = false): Promise<T | undefined> {
    return this.attempt(() => this.commander.run(script, [], args) as Promise<T>, force);
  }

  /**
   * Applies the failure policy to one call: skipped while Redis is not in use (unless
   * `force`d, for the recovery probe), and a failure or timeout marks Redis down.
   * @returns `undefined` when the call was skipped or failed.
   */
  private async attempt<T>(command: () => Promise<T>, force = false): Promise<T | undefined> {
    if (!force && !this.up) {
      if (this.state === 'up') this.markDown('not connected');
      return undefined;
    }
    try {
      return await command();
    } catch (error) {
      if (!force) this.markDown(describeError(error));
      return undefined;
    }
  }

  private markDown(reason: string): void {
    if (this.state !== 'up') return;
    this.state = 'down';
    this.options.logger.warn(
      `Redis unavailable (${reason}): serving sessions from the database, ` +
        'in-process layer off; retrying every ' +
        `${this.options.retryInterval} ms`,
    );
    this.probe = setInterval(() => void this.recover(), this.options.retryInterval);
    this.probe.unref();
    this.options.onDown();
  }

  private async recover(): Promise<void> {
    if (this.state !== 'down' || !this.client.isReady) return;
    this.state = 'recovering';
    // Writes made while Redis was unreachable (here or elsewhere) could not invalidate it:
    // nothing cached before this point can be trusted.
    const sequence = await this.invalidateNow(
      { users: [], sessions: [], all: true, sweep: null },
      true,
      true,
    );
    if ((this.state as string) === 'closed') return;
    if (sequence === null) {
      this.state = 'down';
      return;
    }
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    this.state = 'up';
    this.options.onRecovered();
    this.options.logger.log('Redis answers again: its entries were invalidated, refilling lazily');
  }
}
