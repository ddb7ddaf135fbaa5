import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, HttpCode, Post, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  AuthGuard,
  CurrentSession,
  hashToken,
  RequirePermission,
  SESSION_ENTITIES,
  SESSION_MIGRATIONS,
  SessionModule,
  SessionService,
  TokenService,
  TypeOrmSessionStore,
  type Principal,
  type SessionStore,
} from '../../lib/index.js';
import { TieredSessionStore } from '../../lib/redis/tiered-session.store.js';
import { createTestDatabase, dialectAvailable, type TestDatabase } from '../support/databases.js';
import { serviceAvailable } from '../support/services.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const ready = serviceAvailable('redis') && dialectAvailable('postgres');
if (!ready) {
  process.stdout.write(
    '[skip] TieredSessionStore multi-instance: needs PostgreSQL (127.0.0.1:5432) and Redis ' +
      '(127.0.0.1:6379), mandatory in CI\n',
  );
}

@Controller()
@UseGuards(AuthGuard)
class ProbeController {
  constructor(private readonly sessions: SessionService) {}

  @Get('me')
  me(@CurrentSession() principal: Principal) {
    return { userId: principal.userId, permissions: [...principal.permissions].sort() };
  }

  @RequirePermission('users:admin')
  @Get('admin')
  admin() {
    return { admin: true };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentSession() principal: Principal): Promise<void> {
    await this.sessions.revoke(principal.sessionId);
  }
}

/** One app instance: its own DataSource, Redis client and store, sharing PostgreSQL and Redis. */
interface Instance {
  readonly app: INestApplication;
  readonly store: SessionStore;
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly dataSource: DataSource;
  readonly redis: RedisClientType;
}

async function startInstance(
  database: TestDatabase,
  build: (dataSource: DataSource, redis: RedisClientType) => SessionStore,
): Promise<Instance> {
  const dataSource = new DataSource({ ...database.options, entities: SESSION_ENTITIES });
  await dataSource.initialize();
  const redis: RedisClientType = createClient({ url: REDIS_URL });
  redis.on('error', () => undefined);
  await redis.connect();
  const store = build(dataSource, redis);
  if (store instanceof TieredSessionStore) expect(await store.whenReady()).toBe(true);
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ store, sweepInterval: 0, storeTimeout: 2_000 })],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    app,
    store,
    tokens: app.get(TokenService),
    sessions: app.get(SessionService),
    dataSource,
    redis,
  };
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (!instance) return;
  await instance.app.close(); // closes the store
  instance.redis.destroy();
  await instance.dataSource.destroy();
}

/** Polls (bounded, no fixed sleep) until `target` has applied `source`'s last invalidation. */
async function propagated(source: TieredSessionStore, target: TieredSessionStore): Promise<number> {
  const started = performance.now();
  const sequence = source.stats.publishedSequence;
  expect(sequence).toBeGreaterThan(0);
  while (target.stats.appliedSequence < sequence) {
    if (performance.now() - started > 2_000) throw new Error('invalidation not received in 2 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
  return performance.now() - started;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function microseconds(runs: number, operation: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(runs, 200); i++) await operation();
  const started = performance.now();
  for (let i = 0; i < runs; i++) await operation();
  return ((performance.now() - started) * 1000) / runs;
}

(ready ? describe : describe.skip)(
  'TieredSessionStore: two instances share PostgreSQL + Redis',
  () => {
    let database: TestDatabase;
    let a: Instance;
    let b: Instance;
    let storeA: TieredSessionStore;
    let storeB: TieredSessionStore;
    let admin: RedisClientType;
    const keyPrefix = `ns-test:tiered-mi:${randomBytes(6).toString('hex')}`;
    const tiered = (dataSource: DataSource, redis: RedisClientType) =>
      new TieredSessionStore({ database: dataSource, redis, keyPrefix });

    const http = (instance: Instance) => request(instance.app.getHttpServer());
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const newUser = (name: string) => `${name}-${randomBytes(6).toString('hex')}`;

    /** Polls (bounded) until the session's Redis entry exists. */
    async function filled(sessionId: string): Promise<void> {
      for (let attempt = 0; attempt < 200; attempt++) {
        if ((await admin.exists(`${keyPrefix}:s:${sessionId}`)) === 1) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error('the Redis entry was never filled');
    }

    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      const migrator = new DataSource({
        ...database.options,
        entities: SESSION_ENTITIES,
        migrations: SESSION_MIGRATIONS,
      });
      await migrator.initialize();
      await migrator.runMigrations();
      await migrator.destroy();
      a = await startInstance(database, tiered);
      b = await startInstance(database, tiered);
      storeA = a.store as TieredSessionStore;
      storeB = b.store as TieredSessionStore;
      admin = createClient({ url: REDIS_URL });
      await admin.connect();
    });

    afterAll(async () => {
      await stopInstance(a);
      await stopInstance(b);
      if (admin) {
        for await (const keys of admin.scanIterator({ MATCH: `${keyPrefix}:*`, COUNT: 500 })) {
          if (keys.length > 0) await admin.unlink(keys);
        }
        admin.destroy();
      }
      await database?.drop();
    });

    it('accepts on B a token issued on A, served from the Redis entry A filled', async () => {
      const userId = newUser('alice');
      const issued = await a.tokens.issue({ userId, permissions: ['post:read'] });

      expect((await http(a).get('/me').set(bearer(issued.accessToken))).status).toBe(200);
      await filled(issued.sessionId); // A fills Redis after answering
      const before = storeB.stats;
      const res = await http(b).get('/me').set(bearer(issued.accessToken));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ userId, permissions: ['post:read'] });
      const after = storeB.stats;
      expect(after.redisHits - before.redisHits).toBe(1);
      expect(after.databaseReads - before.databaseReads).toBe(0);

      expect((await http(b).get('/me').set(bearer(issued.accessToken))).status).toBe(200);
      expect(storeB.stats.localHits - after.localHits).toBe(1);
    });

    it('ends on A a session logged out on B', async () => {
      const issued = await a.tokens.issue({ userId: newUser('bob'), permissions: ['post:read'] });
      for (let i = 0; i < 2; i++) {
        expect((await http(a).get('/me').set(bearer(issued.accessToken))).status).toBe(200);
      }
      const served = storeA.stats.localHits;
      expect((await http(a).get('/me').set(bearer(issued.accessToken))).status).toBe(200);
      expect(storeA.stats.localHits).toBe(served + 1); // A holds it in process memory

      expect((await http(b).post('/logout').set(bearer(issued.accessToken))).status).toBe(204);
      const ms = await propagated(storeB, storeA);

      expect((await http(a).get('/me').set(bearer(issued.accessToken))).status).toBe(401);
      expect((await http(b).get('/me').set(bearer(issued.accessToken))).status).toBe(401);
      process.stdout.write(
        `[measure] logout on B reached A's in-process layer ${ms.toFixed(2)} ms after B answered\n`,
      );
    });

    it('applies on B a permission change made on A, both ways, and "log out everywhere"', async () => {
      const userId = newUser('carol');
      const issued = await a.tokens.issue({ userId, permissions: ['post:read'] });
      const token = bearer(issued.accessToken);
      for (let i = 0; i < 2; i++) expect((await http(b).get('/admin').set(token)).status).toBe(403);

      await a.sessions.setPermissions(userId, ['post:read', 'users:admin']);
      await propagated(storeA, storeB);
      expect((await http(b).get('/admin').set(token)).status).toBe(200);
      expect((await http(b).get('/me').set(token)).body).toEqual({
        userId,
        permissions: ['post:read', 'users:admin'],
      });

      await a.sessions.setPermissions(userId, ['post:read']);
      await propagated(storeA, storeB);
      expect((await http(b).get('/admin').set(token)).status).toBe(403);

      await a.sessions.revokeAll(userId);
      await propagated(storeA, storeB);
      expect((await http(b).get('/me').set(token)).status).toBe(401);
    });

    it('measures propagation and the cost of a verification per layer', async () => {
      const userId = newUser('dave');
      const issued = await a.tokens.issue({ userId, permissions: ['post:read'] });
      const hash = hashToken(issued.accessToken);
      expect((await http(b).get('/me').set(bearer(issued.accessToken))).status).toBe(200);

      const afterAnswer: number[] = [];
      const fromCall: number[] = [];
      for (let i = 0; i < 30; i++) {
        const started = performance.now();
        await a.sessions.setPermissions(userId, i % 2 ? ['post:read'] : ['post:read', 'x:y']);
        const answered = performance.now();
        await propagated(storeA, storeB);
        afterAnswer.push(performance.now() - answered);
        fromCall.push(performance.now() - started);
      }

      const redisOnly = new TieredSessionStore({
        database: a.dataSource,
        redis: a.redis,
        keyPrefix,
        localCacheSize: 0,
      });
      const typeorm = new TypeOrmSessionStore(a.dataSource);
      try {
        expect(await redisOnly.whenReady()).toBe(true);
        const hitsBefore = storeA.stats.localHits;
        const local = await microseconds(20_000, () => storeA.findByAccessHash(hash));
        expect(storeA.stats.localHits - hitsBefore).toBeGreaterThanOrEqual(20_000);
        const verify = await microseconds(20_000, () => a.tokens.verify(issued.accessToken));
        const redis = await microseconds(2_000, () => redisOnly.findByAccessHash(hash));
        expect(redisOnly.stats.redisHits).toBeGreaterThanOrEqual(2_000);
        const db = await microseconds(1_000, () => typeorm.findByAccessHash(hash));
        process.stdout.write(
          '[measure] invalidation A→B over pub/sub (ms, n=30): after A answered ' +
            `p50 ${percentile(afterAnswer, 50).toFixed(3)} p95 ${percentile(afterAnswer, 95).toFixed(3)} ` +
            `max ${Math.max(...afterAnswer).toFixed(3)}; from the start of A's write ` +
            `p50 ${percentile(fromCall, 50).toFixed(3)} max ${Math.max(...fromCall).toFixed(3)}\n` +
            `[measure] findByAccessHash (µs/op, sequential): in-process ${local.toFixed(2)}, ` +
            `Redis ${redis.toFixed(1)}, PostgreSQL ${db.toFixed(1)}; ` +
            `TokenService.verify via the gateway on an in-process hit ${verify.toFixed(2)}\n`,
        );
      } finally {
        await redisOnly.close();
      }
    });
  },
);
