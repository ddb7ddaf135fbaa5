import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Post,
  UseGuards,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  AuthGuard,
  CurrentSession,
  hashToken,
  ManualClock,
  Public,
  SESSION_ENTITIES,
  SESSION_MIGRATIONS,
  SessionModule,
  SessionService,
  TokenService,
  TypeOrmSessionStore,
  type Principal,
} from '../../lib/index.js';
import { SessionStoreHealthIndicator } from '../../lib/health/session-store-health.indicator.js';
import { TieredSessionStore } from '../../lib/redis/tiered-session.store.js';
import { createTestDatabase, dialectAvailable, type TestDatabase } from '../support/databases.js';
import { redisServerSuite } from '../support/redis-server.js';
import { spawnRedis, type SpawnedRedis } from '../support/spawn-redis.js';

const installed = redisServerSuite('tiered store fault suite');
const IDLE = 60_000; // touchInterval is then 15 s

@Controller()
@UseGuards(AuthGuard)
class FaultController {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Post('login')
  login(@Body() body: { userId: string }) {
    return this.tokens.issue({ userId: body.userId, permissions: ['post:read'] });
  }

  @Get('me')
  me(@CurrentSession() principal: Principal) {
    return { userId: principal.userId };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentSession() principal: Principal): Promise<void> {
    await this.sessions.revoke(principal.sessionId);
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sessions: SessionStoreHealthIndicator,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.sessions.isHealthy('sessions')]);
  }
}

/** Keeps what the store logs, to count warnings per outage. */
class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message: String(message) });
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  error(message: unknown) {
    this.lines.push({ level: 'error', message: String(message) });
  }
  count(level: string, pattern: RegExp): number {
    return this.lines.filter((l) => l.level === level && pattern.test(l.message)).length;
  }
}

/** Bounded polling: `check` every 20 ms for at most `ms`. */
async function eventually(check: () => Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

(installed ? describe : describe.skip)('TieredSessionStore under faults', () => {
  let server: SpawnedRedis;
  let redis: RedisClientType;
  let admin: RedisClientType;
  let database: TestDatabase | null = null;
  let sqliteDir: string | null = null;
  let dataSourceOptions: DataSourceOptions;
  let dataSource: DataSource;
  let store: TieredSessionStore;
  let app: INestApplication;
  const logger = new CapturingLogger();
  const clock = new ManualClock(Date.now());
  const keyPrefix = `ns-test:fault:${randomBytes(6).toString('hex')}`;

  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const newUser = (name: string) => `${name}-${randomBytes(6).toString('hex')}`;
  const outages = () => logger.count('warn', /^Redis unavailable/);
  const recoveries = () => logger.count('log', /^Redis answers again/);

  async function login(userId: string): Promise<{ accessToken: string; sessionId: string }> {
    const res = await http().post('/login').send({ userId });
    expect(res.status).toBe(201);
    return res.body as { accessToken: string; sessionId: string };
  }

  async function status(token: string): Promise<number> {
    return (await http().get('/me').set(bearer(token))).status;
  }

  async function cachedEntries(sessionIds: readonly string[]): Promise<number> {
    let found = 0;
    for (const id of sessionIds) found += await admin.exists(`${keyPrefix}:s:${id}`);
    return found;
  }

  /** GET /health: the HTTP status, the overall status and the session store's details. */
  async function health(): Promise<[number, string, Record<string, unknown>]> {
    const res = await http().get('/health');
    const body = res.body as { status: string; details: { sessions: Record<string, unknown> } };
    return [res.status, body.status, body.details.sessions];
  }

  async function redisUp(): Promise<boolean> {
    return (await store.health()).redis === 'up';
  }

  beforeAll(async () => {
    server = await spawnRedis();
    const reconnect = { reconnectStrategy: () => 25, connectTimeout: 500 };
    redis = createClient({ url: server.url, socket: reconnect });
    redis.on('error', () => undefined);
    await redis.connect();
    admin = createClient({ url: server.url, socket: reconnect });
    admin.on('error', () => undefined);
    await admin.connect();

    if (dialectAvailable('postgres')) {
      database = await createTestDatabase('postgres');
      dataSourceOptions = database.options;
    } else {
      // A file, so that the database can go down and come back with its sessions.
      sqliteDir = mkdtempSync(join(tmpdir(), 'ns-fault-'));
      dataSourceOptions = { type: 'better-sqlite3', database: join(sqliteDir, 'sessions.db') };
    }
    dataSource = new DataSource({
      ...dataSourceOptions,
      entities: SESSION_ENTITIES,
      migrations: SESSION_MIGRATIONS,
      migrationsRun: true,
    });
    await dataSource.initialize();

    store = new TieredSessionStore({
      database: dataSource,
      redis,
      keyPrefix,
      redisTimeout: 100,
      redisRetryInterval: 50,
      heartbeatInterval: 50,
      logger,
    });
    expect(await store.whenReady()).toBe(true);
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({
          store,
          clock,
          idleTimeout: IDLE,
          sweepInterval: 0,
          storeTimeout: 1_000,
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [FaultController, HealthController],
      providers: [SessionStoreHealthIndicator],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    admin?.destroy();
    redis?.destroy();
    await server?.dispose();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
  });

  /** Another instance without an in-process layer: what it finds comes from Redis. */
  function redisBackedStore(): TieredSessionStore {
    return new TieredSessionStore({
      database: dataSource,
      redis,
      keyPrefix,
      localCacheSize: 0,
      logger,
    });
  }

  it('answers 200 throughout a Redis stop and restart, loses no session, refills Redis', async () => {
    expect(await health()).toEqual([
      200,
      'ok',
      { status: 'up', local: 'in-sync', localEntries: 0, redis: 'up', database: 'up' },
    ]);
    const users = await Promise.all([0, 1, 2, 3].map(() => login(newUser('alice'))));
    for (const user of users) expect(await status(user.accessToken)).toBe(200);
    await eventually(
      async () => (await cachedEntries(users.map((u) => u.sessionId))) === 4,
      'Redis entries',
    );

    // Verifications keep running, one after another, while Redis goes away and comes back.
    const statuses: number[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) statuses.push(await status(users[i % 4].accessToken));
    })();

    await sleep(50);
    await server.stop();
    await eventually(async () => !(await redisUp()), 'Redis marked down');
    expect(await health()).toEqual([
      200,
      'degraded',
      expect.objectContaining({
        status: 'degraded',
        local: 'bypassed',
        redis: 'down',
        database: 'up',
      }),
    ]);
    const during = await login(newUser('bob')); // logins work from the database
    expect(await status(during.accessToken)).toBe(200);
    const leaving = await login(newUser('carol'));
    expect((await http().post('/logout').set(bearer(leaving.accessToken))).status).toBe(204);
    expect(await status(leaving.accessToken)).toBe(401);
    await sleep(200);

    await server.start();
    await eventually(redisUp, 'Redis back in use');
    await sleep(200);
    running = false;
    await traffic;

    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const user of [...users, during]) expect(await status(user.accessToken)).toBe(200);
    expect(await status(leaving.accessToken)).toBe(401);
    // The restarted Redis started empty; the sessions in use are back in it.
    await eventually(
      async () => (await cachedEntries([...users, during].map((u) => u.sessionId))) === 5,
      'Redis refilled',
    );
    expect(outages()).toBe(1);
    expect(recoveries()).toBe(1);
  });

  it('does not revive a logout when Redis comes back with the data it had', async () => {
    const gone = await login(newUser('dave'));
    const kept = await login(newUser('erin'));
    for (const user of [gone, kept]) expect(await status(user.accessToken)).toBe(200);
    await eventually(
      async () => (await cachedEntries([gone.sessionId, kept.sessionId])) === 2,
      'Redis entries',
    );

    await server.save();
    await server.stop();
    expect((await http().post('/logout').set(bearer(gone.accessToken))).status).toBe(204);
    expect(await status(gone.accessToken)).toBe(401);

    await server.start(); // loads the snapshot: the logged-out session's entry is back
    expect(await cachedEntries([gone.sessionId])).toBe(1);
    await eventually(redisUp, 'Redis back in use');
    expect(await status(gone.accessToken)).toBe(401);
    expect(await status(kept.accessToken)).toBe(200);
    expect(outages()).toBe(2);
    expect(recoveries()).toBe(2);
  });

  it('answers within its timeouts while Redis hangs, and a logout meanwhile holds', async () => {
    const frozen = await login(newUser('frank'));
    expect(await status(frozen.accessToken)).toBe(200);

    server.pause();
    try {
      expect(await status(frozen.accessToken)).toBe(200);
      const during = await login(newUser('grace'));
      expect(await status(during.accessToken)).toBe(200);
      expect((await http().post('/logout').set(bearer(frozen.accessToken))).status).toBe(204);
      expect(await status(frozen.accessToken)).toBe(401);
      expect(await status(during.accessToken)).toBe(200);
    } finally {
      server.resume();
    }
    await eventually(redisUp, 'Redis back in use');
    expect(await status(frozen.accessToken)).toBe(401);
    expect(outages()).toBe(3);
  });

  it('keeps verifying cached sessions while the database is down; logins and logouts answer 503', async () => {
    const cached = await login(newUser('heidi'));
    const uncached = await login(newUser('ivan'));
    expect(await status(cached.accessToken)).toBe(200);
    await eventually(async () => (await cachedEntries([cached.sessionId])) === 1, 'Redis entry');
    const loginAt = clock.now();
    const other = redisBackedStore();

    await dataSource.destroy();
    try {
      expect(await status(cached.accessToken)).toBe(200);
      expect((await other.findByAccessHash(hashToken(cached.accessToken)))?.session.id).toBe(
        cached.sessionId,
      );
      expect(await status(uncached.accessToken)).toBe(503);
      expect(
        (
          await http()
            .post('/login')
            .send({ userId: newUser('judy') })
        ).status,
      ).toBe(503);
      expect((await http().post('/logout').set(bearer(cached.accessToken))).status).toBe(503);
      expect(await status(cached.accessToken)).toBe(200);
      expect(await health()).toEqual([
        200,
        'degraded',
        expect.objectContaining({ status: 'degraded', redis: 'up', database: 'down' }),
      ]);

      // Activity while the database is down is recorded in the caches: no idle logout.
      clock.advance(16_000);
      expect(await status(cached.accessToken)).toBe(200); // touches: deferred
      clock.advance(50_000); // 66 s after login, 50 s after the last activity
      expect(await status(cached.accessToken)).toBe(200);

      // Both down: nothing can vouch for a session any more.
      await server.stop();
      await eventually(async () => !(await redisUp()), 'Redis marked down');
      expect(await status(cached.accessToken)).toBe(503);
      const [code, overall, sessions] = await health();
      expect([code, overall, sessions.redis, sessions.database]).toEqual([
        503,
        'error',
        'down',
        'down',
      ]);
      await server.start();
      await eventually(redisUp, 'Redis back in use');
      expect(await status(cached.accessToken)).toBe(503); // Redis was emptied: the database is needed
    } finally {
      await other.close();
      await dataSource.initialize();
    }

    // Back: the deferred activity reaches the database, logins work again.
    const truth = new TypeOrmSessionStore(dataSource);
    await eventually(
      async () =>
        (await truth.findById(cached.sessionId))?.session.lastActiveAt === loginAt + 66_000,
      'deferred touch written',
    );
    const after = await login(newUser('judy'));
    expect(await status(after.accessToken)).toBe(200);
    expect(await status(cached.accessToken)).toBe(200);
    expect(logger.count('warn', /^Database unavailable/)).toBe(1);
    expect(logger.count('log', /^Database answers again/)).toBe(1);
  });

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH), with no outage', async () => {
    const user = await login(newUser('kate'));
    expect(await status(user.accessToken)).toBe(200);
    await eventually(async () => (await cachedEntries([user.sessionId])) === 1, 'Redis entry');
    // No in-process layer: the lookup has to run the read script in Redis.
    const other = redisBackedStore();
    try {
      const before = outages();
      await admin.scriptFlush();
      expect((await other.findByAccessHash(hashToken(user.accessToken)))?.session.id).toBe(
        user.sessionId,
      );
      expect(other.stats).toMatchObject({ redisHits: 1, databaseReads: 0 });
      expect(outages()).toBe(before);
    } finally {
      await other.close();
    }
  });
});
