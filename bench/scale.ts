// Scale rows of `npm run bench`, in process and through the library's public API: verification
// latency with 1k, 100k and 1M live sessions in the memory, Redis and PostgreSQL stores, bytes
// per session in memory and in Redis, and the time to revoke every session of a user holding
// 10k. Run with `node --expose-gc dist/bench/scale.js --out <file> [options]` (the orchestrator
// does); it writes its rows as JSON to <file>.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  MemorySessionStore,
  SESSION_ENTITIES,
  SESSION_MIGRATIONS,
  SessionEntity,
  SessionModule,
  SessionService,
  SessionSubjectEntity,
  RefreshTokenEntity,
  TokenService,
  TypeOrmSessionStore,
  hashToken,
  type SessionStore,
} from 'nest-sessions';
import { DataSource } from 'typeorm';
import { BenchDatabase } from './lib/postgres.js';
import { median, percentile, Samples } from './lib/stats.js';

/** One verification-latency row (the schema of `results.json`'s `scale`). */
export interface ScaleRow {
  readonly store: string;
  readonly sessions: number;
  readonly verify_p50_us: number;
}

/** What this script writes. */
export interface ScaleOutput {
  readonly scale: ScaleRow[];
  readonly bytes_per_session: { store: string; sessions: number; bytes: number }[];
  readonly revoke_all: { store: string; sessions: number; first_ms: number; median_ms: number }[];
  readonly skipped: { store: string; reason: string }[];
}

const PERMISSIONS = ['posts:create', 'posts:like', 'posts:delete:own', 'profile:edit'];
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const HEAVY_USER = 'scale-heavy';
const HEAVY_SESSIONS = 10_000;
const RESERVOIR = 2_000;

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    sizes: { type: 'string', default: '1000,100000,1000000' },
    stores: { type: 'string', default: 'memory,redis,postgres' },
    'redis-url': { type: 'string' },
    'postgres-url': { type: 'string' },
    samples: { type: 'string', default: '20000' },
  },
});
const sizes = args.sizes
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const sampleCount = Number(args.samples);

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  collect?.();
}

/** JS heap plus memory outside it (typed arrays' and Buffers' backing stores). */
function heapUsed(): number {
  gc();
  const { heapUsed: heap, external } = process.memoryUsage();
  return heap + external;
}

/** A fresh copy of a string, as a request header would be (no sharing with other sessions). */
function fresh(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** The module as an app would build it, on `store`; no touches or sweeps during the run. */
async function context(store: SessionStore): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(
    SessionModule.forRoot({
      store,
      idleTimeout: 24 * 3_600_000,
      touchInterval: 12 * 3_600_000,
      sweepInterval: 0,
    }),
    { logger: process.env.BENCH_DEBUG ? ['error', 'warn'] : false },
  );
}

/** Keeps a uniform sample of the access tokens issued (reservoir sampling). */
class Reservoir {
  readonly tokens: string[] = [];
  private seen = 0;

  offer(token: string): void {
    this.seen++;
    if (this.tokens.length < RESERVOIR) this.tokens.push(token);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < RESERVOIR) this.tokens[j] = token;
    }
  }
}

/** Logins retried during fills (remote stores timing out under the fill's load). */
let retries = 0;

/** Logs `count` sessions in through `TokenService.issue`, `concurrency` at a time. */
async function issueMany(
  tokens: TokenService,
  from: number,
  to: number,
  concurrency: number,
  onToken: (token: string) => void,
  userOf: (i: number) => string,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          const issued = await tokens.issue(
            { userId: userOf(i), permissions: PERMISSIONS },
            {
              userAgent: fresh(USER_AGENT),
              ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            },
          );
          onToken(issued.accessToken);
          break;
        } catch (error) {
          // A remote store may time out under the fill's load; a few retries, then give up.
          retries++;
          if (attempt >= 3) throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
}

/** Median verification time in µs over `count` calls on random sampled tokens (after a warm-up). */
async function verifyP50(tokens: TokenService, sample: readonly string[], count: number) {
  for (const token of sample) {
    if (!(await tokens.verify(token))) throw new Error('a sampled token did not verify');
  }
  // Start from a settled heap: a major GC still running after a fill is the fill's cost.
  gc();
  const times = new Samples();
  for (let n = 0; n < count; n++) {
    const token = sample[Math.floor(Math.random() * sample.length)];
    const started = process.hrtime.bigint();
    await tokens.verify(token);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return Math.round(percentile(times.sorted(), 50) * 10) / 10;
}

/** Revokes every session of the heavy user five times: the first call and the median. */
async function revokeAll(app: INestApplicationContext) {
  const sessions = app.get(SessionService);
  const times: number[] = [];
  for (let n = 0; n < 5; n++) {
    const started = process.hrtime.bigint();
    await sessions.revokeAll(HEAVY_USER);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return {
    sessions: HEAVY_SESSIONS,
    first_ms: Math.round(times[0] * 100) / 100,
    median_ms: Math.round(median(times) * 100) / 100,
  };
}

const userOf = (i: number) => `scale-u${i >> 1}`;

async function scaleMemory(out: ScaleOutput): Promise<void> {
  const store = new MemorySessionStore();
  const app = await context(store);
  const tokens = app.get(TokenService);
  const reservoir = new Reservoir();
  const before = heapUsed();
  let filled = 0;
  for (const size of sizes) {
    await issueMany(tokens, filled, size, 1, (t) => reservoir.offer(t), userOf);
    filled = size;
    out.scale.push({
      store: 'memory',
      sessions: size,
      verify_p50_us: await verifyP50(tokens, reservoir.tokens, sampleCount * 2),
    });
    log(`memory: ${size} sessions, verify p50 ${out.scale.at(-1)!.verify_p50_us} µs`);
  }
  const bytes = (heapUsed() - before) / filled;
  out.bytes_per_session.push({ store: 'memory', sessions: filled, bytes: Math.round(bytes) });
  log(`memory: ${Math.round(bytes)} bytes per session (heap + external delta over ${filled})`);
  await issueMany(
    tokens,
    0,
    HEAVY_SESSIONS,
    1,
    () => undefined,
    () => HEAVY_USER,
  );
  out.revoke_all.push({ store: 'memory', ...(await revokeAll(app)) });
  await app.close();
}

interface RedisEntry {
  RedisSessionStore?: {
    fromUrl(url: string, options?: { keyPrefix?: string }): SessionStore;
  };
}

async function redisUsedMemory(url: string): Promise<number> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const info = await client.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  } finally {
    client.destroy();
  }
}

/** A remote store's scale rows, run in lockstep with the other remote stores. */
interface Lane {
  readonly store: string;
  /** Fills the store up to `size` sessions. */
  fill(size: number): Promise<void>;
  /** Verification p50 (µs) with `size` sessions in the store. */
  measure(size: number): Promise<number>;
  /** Bytes per session (if measured), then the revoke-all row. */
  finish(out: ScaleOutput): Promise<void>;
  /** Releases everything the lane opened. */
  close(): Promise<void>;
}

/**
 * Creates sessions [from, to) straight in `store` with the deterministic tokens of
 * {@link sqlToken} (the same records `issue` would write, without its random draws), `concurrency`
 * at a time: filling Redis with a million sessions through `issue` takes minutes.
 */
async function createMany(
  store: SessionStore,
  from: number,
  to: number,
  concurrency: number,
  user?: string,
): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const now = Date.now();
      const tag = user ? `${user}-${i}` : String(i);
      const record = {
        id: createHash('sha256').update(`sid-${tag}`).digest('base64url').slice(0, 22),
        userId: user ?? userOf(i),
        accessHash: hashToken(user ? `${user}-${sqlToken(i)}` : sqlToken(i)),
        refreshHash: createHash('sha256').update(`r-${tag}`).digest('hex'),
        previousRefreshHash: null,
        rotatedAt: null,
        successor: null,
        createdAt: now,
        lastActiveAt: now,
        expiresAt: now + 14 * 86_400_000,
        userAgent: fresh(USER_AGENT),
        ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await store.create(record, { permissions: PERMISSIONS, maxSessions: null, now });
          break;
        } catch (error) {
          retries++;
          if (attempt >= 3) throw error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
}

async function redisLane(out: ScaleOutput, url: string): Promise<Lane | null> {
  const entry = (await import('nest-sessions/redis')) as unknown as RedisEntry;
  if (!entry.RedisSessionStore) {
    out.skipped.push({
      store: 'Redis',
      reason: 'nest-sessions/redis exports no RedisSessionStore',
    });
    return null;
  }
  const store = entry.RedisSessionStore.fromUrl(url, { keyPrefix: 'bench-scale' });
  const app = await context(store);
  const tokens = app.get(TokenService);
  const before = await redisUsedMemory(url);
  let filled = 0;
  return {
    store: 'Redis',
    async fill(size) {
      const started = Date.now();
      await createMany(store, filled, size, 64);
      filled = size;
      log(`Redis: filled to ${size} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    measure(size) {
      // Uniform over every session in the store, not only the latest ones.
      const sample = Array.from({ length: Math.min(RESERVOIR, size) }, () =>
        sqlToken(Math.floor(Math.random() * size)),
      );
      return verifyP50(tokens, sample, sampleCount);
    },
    async finish(result) {
      const bytes = ((await redisUsedMemory(url)) - before) / filled;
      result.bytes_per_session.push({ store: 'Redis', sessions: filled, bytes: Math.round(bytes) });
      log(`Redis: ${Math.round(bytes)} bytes per session (used_memory delta over ${filled})`);
      await createMany(store, 0, HEAVY_SESSIONS, 64, HEAVY_USER);
      result.revoke_all.push({ store: 'Redis', ...(await revokeAll(app)) });
    },
    close: () => app.close(),
  };
}

/** SQL for the deterministic test tokens: the same as {@link sqlToken} computes in JS. */
const SQL_TOKEN = (expr: string) =>
  `rtrim(translate(encode(sha256(convert_to('bench-scale-' || ${expr}, 'UTF8')), 'base64'), '+/', '-_'), '=')`;
const SQL_ID = (prefix: string, expr: string) =>
  `left(translate(encode(sha256(convert_to('${prefix}' || ${expr}, 'UTF8')), 'base64'), '+/', '-_'), 22)`;
const SQL_HEX = (prefix: string, expr: string) =>
  `encode(sha256(convert_to('${prefix}' || ${expr}, 'UTF8')), 'hex')`;

/** The access token of bulk-loaded session `i` (43 base64url characters, like a real one). */
function sqlToken(i: number): string {
  return createHash('sha256').update(`bench-scale-${i}`).digest('base64url');
}

/**
 * Bulk-loads sessions [from, to) in SQL, with the columns the store writes (`create` would
 * take hours for a million). Session `i` belongs to user `scale-u<i/2>`; `user` overrides it.
 */
async function sqlFill(ds: DataSource, from: number, to: number, user?: string): Promise<void> {
  const table = (entity: new () => object) => ds.getMetadata(entity).tablePath;
  const now = Date.now();
  const userExpr = user ? `'${user}'` : `'scale-u' || (i / 2)`;
  const prefix = user ? `${user}-` : '';
  await ds.query(
    `INSERT INTO ${table(SessionSubjectEntity)} (user_id, permissions, epoch) ` +
      `SELECT DISTINCT ${userExpr}, $1, 0 FROM generate_series($2::bigint, $3::bigint) i ` +
      'ON CONFLICT DO NOTHING',
    [JSON.stringify(PERMISSIONS), from, to - 1],
  );
  await ds.query(
    `INSERT INTO ${table(SessionEntity)} (id, user_id, access_hash, refresh_hash, ` +
      'previous_refresh_hash, rotated_at, successor, epoch, created_at, last_active_at, ' +
      'expires_at, user_agent, ip) ' +
      `SELECT ${SQL_ID(`${prefix}sid-`, 'i')}, ${userExpr}, ` +
      `${user ? SQL_HEX(`${prefix}a-`, 'i') : `encode(sha256(convert_to(${SQL_TOKEN('i')}, 'UTF8')), 'hex')`}, ` +
      `${SQL_HEX(`${prefix}r-`, 'i')}, NULL, NULL, NULL, 0, $1::bigint, $1::bigint, $2::bigint, $3, ` +
      `'10.' || (i % 256) || '.0.1' FROM generate_series($4::bigint, $5::bigint) i`,
    [now, now + 14 * 86_400_000, USER_AGENT, from, to - 1],
  );
  await ds.query(
    `INSERT INTO ${table(RefreshTokenEntity)} (hash, session_id) ` +
      `SELECT ${SQL_HEX(`${prefix}r-`, 'i')}, ${SQL_ID(`${prefix}sid-`, 'i')} ` +
      'FROM generate_series($1::bigint, $2::bigint) i',
    [from, to - 1],
  );
  await ds.query('ANALYZE');
}

async function postgresLane(out: ScaleOutput, serverUrl: string): Promise<Lane | null> {
  const { db, reason } = await BenchDatabase.create(serverUrl, 'bench_scale');
  if (!db) {
    out.skipped.push({ store: 'PostgreSQL', reason });
    return null;
  }
  const ds = new DataSource({
    type: 'postgres',
    url: db.url,
    entities: [...SESSION_ENTITIES],
    migrations: [...SESSION_MIGRATIONS],
    migrationsRun: true,
    logging: false,
  });
  const close = async () => {
    if (ds.isInitialized) await ds.destroy();
    await db.drop().catch(() => undefined);
  };
  try {
    await ds.initialize();
    const app = await context(new TypeOrmSessionStore(ds));
    const tokens = app.get(TokenService);
    let filled = 0;
    return {
      store: 'PostgreSQL',
      async fill(size) {
        const started = Date.now();
        await sqlFill(ds, filled, size);
        filled = size;
        log(`PostgreSQL: filled to ${size} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      },
      measure(size) {
        // Uniform over every session in the table, not only the latest ones.
        const sample = Array.from({ length: Math.min(RESERVOIR, size) }, () =>
          sqlToken(Math.floor(Math.random() * size)),
        );
        return verifyP50(tokens, sample, Math.max(2_000, sampleCount / 4));
      },
      async finish(result) {
        await sqlFill(ds, 0, HEAVY_SESSIONS, HEAVY_USER);
        result.revoke_all.push({ store: 'PostgreSQL', ...(await revokeAll(app)) });
      },
      async close() {
        await app.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Longest a store's scale rows may take (ms): a hung store must not hang the benchmark. */
const STEP_TIMEOUT = 420_000;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function log(line: string): void {
  process.stderr.write(`  scale: ${line}\n`);
}

/**
 * Memory alone first (its bytes per session are a heap + external delta, which other stores' clients
 * would disturb), then Redis and PostgreSQL in lockstep: filled at the same time (their fills
 * are mostly server-side work), measured one after the other.
 */
async function main(): Promise<void> {
  const out: ScaleOutput = { scale: [], bytes_per_session: [], revoke_all: [], skipped: [] };
  const stores = args.stores.split(',');
  const fail = (store: string, error: unknown) => {
    const reason = (error as Error).message.split('\n')[0];
    out.skipped.push({ store, reason });
    log(`${store} failed: ${reason}`);
  };
  if (stores.includes('memory')) {
    await withTimeout(scaleMemory(out), STEP_TIMEOUT, 'memory rows took too long').catch(
      (error: unknown) => fail('memory', error),
    );
  }
  const lanes: Lane[] = [];
  const open = async (
    name: string,
    key: string,
    url: string | undefined,
    make: () => Promise<Lane | null>,
  ) => {
    if (!stores.includes(key)) return;
    if (!url) {
      out.skipped.push({ store: name, reason: `no ${name}` });
      return;
    }
    try {
      const lane = await make();
      if (lane) lanes.push(lane);
    } catch (error) {
      fail(name, error);
    }
  };
  await open('Redis', 'redis', args['redis-url'], () => redisLane(out, args['redis-url']!));
  await open('PostgreSQL', 'postgres', args['postgres-url'], () =>
    postgresLane(out, args['postgres-url']!),
  );
  const dead = new Set<Lane>();
  const attempt = async (lane: Lane, work: () => Promise<void>) => {
    if (dead.has(lane)) return;
    try {
      await withTimeout(
        work(),
        STEP_TIMEOUT,
        `${lane.store} took longer than ${STEP_TIMEOUT / 1000} s`,
      );
    } catch (error) {
      dead.add(lane);
      fail(lane.store, error);
    }
  };
  for (const size of sizes) {
    await Promise.all(lanes.map((lane) => attempt(lane, () => lane.fill(size))));
    for (const lane of lanes) {
      await attempt(lane, async () => {
        const p50 = await lane.measure(size);
        out.scale.push({ store: lane.store, sessions: size, verify_p50_us: p50 });
        log(`${lane.store}: ${size} sessions, verify p50 ${p50} µs`);
      });
    }
  }
  for (const lane of lanes) await attempt(lane, () => lane.finish(out));
  for (const lane of lanes) await lane.close().catch(() => undefined);
  if (retries) log(`${retries} logins retried during the fills`);
  const json = JSON.stringify(out, null, 2);
  if (args.out) writeFileSync(args.out, json);
  else process.stdout.write(`${json}\n`);
  process.exit(0);
}

await main();
