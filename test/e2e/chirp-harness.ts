import type { INestApplication, LoggerService, Type } from '@nestjs/common';
import type { Server } from 'node:http';
import { Test } from '@nestjs/testing';
import {
  resolveSessionOptions,
  SESSION_MODULE_OPTIONS,
  SESSION_OPTIONS,
  type SessionModuleOptions,
} from 'nest-sessions';
import request from 'supertest';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../sample-app/src/app.module.js';
import { loadChirpConfig, type ChirpConfig } from '../../sample-app/src/config/chirp-config.js';
import { configureChirpApp } from '../../sample-app/src/configure-app.js';
import { createChirpHttpAdapter } from '../../sample-app/src/http-adapter.js';
import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  dialectAvailable,
  type SqlDialect,
  type TestDatabase,
} from '../support/databases.js';
import { serviceAvailable } from '../support/services.js';

/** One configuration the e2e suites run Chirp in. */
export interface ChirpTestConfig {
  /** Shown in the suite's title. */
  readonly name: string;
  /** `TOKEN_STRATEGY`. */
  readonly strategy: 'reference' | 'value';
  /** `SESSION_STORE`. */
  readonly store: 'memory' | 'database' | 'redis' | 'tiered';
  /** Where users and posts live (and sessions, with the database store). */
  readonly dialect: SqlDialect;
  /**
   * Whether this configuration also runs the strategy-independent tests (input
   * validation, routing, error bodies): they run once per store, not once per strategy.
   */
  readonly storeWide: boolean;
  /** `HTTP_ADAPTER` (an `HTTP_ADAPTER` in the start-up `env` wins). @default 'express' */
  readonly adapter?: 'express' | 'fastify';
  /** `AUTH_TRANSPORT` (an `AUTH_TRANSPORT` in the start-up `env` wins). @default 'header' */
  readonly transport?: 'header' | 'cookie';
}

const STORES = [
  { name: 'memory store, users on SQLite', store: 'memory', dialect: 'sqlite' },
  { name: 'database store on SQLite', store: 'database', dialect: 'sqlite' },
  { name: 'database store on PostgreSQL', store: 'database', dialect: 'postgres' },
  { name: 'database store on MariaDB', store: 'database', dialect: 'mariadb' },
  { name: 'Redis store, users on SQLite', store: 'redis', dialect: 'sqlite' },
  { name: 'tiered store on PostgreSQL and Redis', store: 'tiered', dialect: 'postgres' },
] as const;

/**
 * `describe` when everything `testConfig` needs is reachable (its SQL database, and Redis
 * for the Redis and tiered stores), otherwise a skipped block; globalSetup prints one line
 * per unreachable service, and with CI=true fails the run instead.
 */
export function describeOnConfig(testConfig: ChirpTestConfig): typeof describe {
  const redisNeeded = testConfig.store === 'redis' || testConfig.store === 'tiered';
  const available =
    dialectAvailable(testConfig.dialect) && (!redisNeeded || serviceAvailable('redis'));
  return available ? describe : describe.skip;
}

/**
 * Every configuration of this build: reference and value tokens, each on the memory and
 * database stores, on every SQL database. Value tokens run without `JWT_SECRET`, i.e.
 * with the secret generated at start-up, as in development.
 */
export const CHIRP_TEST_CONFIGS: readonly ChirpTestConfig[] = STORES.flatMap((store) =>
  (['reference', 'value'] as const).map((strategy) => ({
    ...store,
    name: `${strategy} tokens, ${store.name}`,
    strategy,
    storeWide: strategy === 'reference',
  })),
);

/**
 * The same suites on Fastify, for two configurations rather than every store (the store
 * does not depend on the HTTP platform): reference tokens on the SQLite database store
 * (with the store-wide tests: input validation, body limits, error bodies) and value
 * tokens on the memory store.
 */
export const FASTIFY_TEST_CONFIGS: readonly ChirpTestConfig[] = [
  {
    name: 'reference tokens, database store on SQLite, Fastify',
    strategy: 'reference',
    store: 'database',
    dialect: 'sqlite',
    storeWide: true,
    adapter: 'fastify',
  },
  {
    name: 'value tokens, memory store, users on SQLite, Fastify',
    strategy: 'value',
    store: 'memory',
    dialect: 'sqlite',
    storeWide: false,
    adapter: 'fastify',
  },
];

/** Password of the demo users in tests. */
export const DEMO_PASSWORD = 'e2e-demo-password';

/** Access-token lifetime in tests, to see `ACCESS_TOKEN_TTL` reach `expiresIn`. */
export const ACCESS_TOKEN_TTL = 600;

/**
 * Test-only changes to how {@link ChirpHarness.start} builds Chirp. All optional; without
 * them Chirp is built exactly as `main.ts` builds it.
 */
export interface ChirpStartOptions {
  /**
   * Session-module options laid over those Chirp's `AppModule` chooses, e.g. a
   * `ManualClock` (expiry without sleeping), a short `storeTimeout`, `maxSessionsPerUser`.
   * Chirp's strategy, keys and store are kept.
   */
  readonly sessionOptions?: Pick<
    SessionModuleOptions,
    | 'clock'
    | 'storeTimeout'
    | 'maxSessionsPerUser'
    | 'refreshGracePeriod'
    | 'sweepInterval'
    | 'touchInterval'
  >;
  /** Where Nest's logs go (default: errors only, on the console). */
  readonly logger?: LoggerService;
  /** Extra controllers mounted beside Chirp's, behind its global guard (probe routes). */
  readonly controllers?: Type[];
}

/** What login and refresh answer. */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: string;
  readonly expiresIn: number;
}

/** A signed-in user in a test. */
export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly tokens: TokenPair;
}

let counter = 0;

/** A fresh username (3–32 of `[a-z0-9_]`), unique within the test run. */
export function uniqueUsername(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid % 10_000}_${counter}`.slice(0, 32);
}

/** `Authorization` header for an access token. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/**
 * Asserts that `response` is an error with `status` and the contract's error body:
 * exactly `{ statusCode, error, message }`, JSON, no stack.
 */
export function expectError(response: Response, status: number): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { statusCode: status, error: expect.any(String), message: expect.any(String) },
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.text).not.toMatch(/\bat .+\.(?:js|ts):\d+/); // no stack frames
}

/**
 * Chirp built exactly as `main.ts` builds it (`AppModule.forRoot(config)` on the
 * `HTTP_ADAPTER` platform + `configureChirpApp`), on a throwaway database, listening on an
 * ephemeral port.
 */
export class ChirpHarness {
  private constructor(
    readonly app: INestApplication<Server>,
    readonly config: ChirpConfig,
    private readonly database: TestDatabase,
  ) {}

  /** Starts Chirp in `testConfig` with extra environment `env` (and test-only `options`). */
  static async start(
    testConfig: ChirpTestConfig,
    env: Record<string, string> = {},
    options: ChirpStartOptions = {},
  ): Promise<ChirpHarness> {
    const database = await createTestDatabase(testConfig.dialect);
    const config = loadChirpConfig({
      TOKEN_STRATEGY: testConfig.strategy,
      SESSION_STORE: testConfig.store,
      DATABASE_URL: database.url,
      DEMO_PASSWORD,
      ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL),
      // The suites log in many times from one address; throttling has its own suite.
      RATE_LIMIT: 'off',
      // Parallel suites share the Redis on 127.0.0.1; each app gets its own key space.
      REDIS_PREFIX: `t${randomBytes(6).toString('hex')}`,
      HTTP_ADAPTER: testConfig.adapter ?? 'express',
      AUTH_TRANSPORT: testConfig.transport ?? 'header',
      ...env,
    });
    let builder = Test.createTestingModule({
      imports: [AppModule.forRoot(config)],
      controllers: options.controllers ?? [],
    });
    const overrides = options.sessionOptions;
    if (overrides) {
      builder = builder.overrideProvider(SESSION_OPTIONS).useFactory({
        inject: [SESSION_MODULE_OPTIONS],
        factory: (chirpOptions: SessionModuleOptions) =>
          resolveSessionOptions({ ...chirpOptions, ...overrides }),
      });
    }
    if (options.logger) builder = builder.setLogger(options.logger);
    const moduleRef = await builder.compile();
    const app = moduleRef.createNestApplication<INestApplication<Server>>(
      createChirpHttpAdapter(config),
      {
        logger: options.logger ?? ['error'],
      },
    );
    configureChirpApp(app);
    await app.listen(0, '127.0.0.1');
    return new ChirpHarness(app, config, database);
  }

  /** A supertest client of the running app. */
  get http(): ReturnType<typeof request> {
    return request(this.app.getHttpServer());
  }

  /** The app's TypeORM `DataSource`. */
  get dataSource(): DataSource {
    return this.app.get(DataSource);
  }

  /** Logs in and returns the token pair; fails the test unless it answers 200. */
  async login(username: string, password = DEMO_PASSWORD, userAgent = 'jest'): Promise<TokenPair> {
    const response = await this.http
      .post('/auth/login')
      .set('User-Agent', userAgent)
      .send({ username, password });
    expect({ username, status: response.status }).toEqual({ username, status: 200 });
    return response.body as TokenPair;
  }

  /** Registers a fresh user and logs them in. */
  async newUser(prefix: string, password = 'fresh-password-1'): Promise<TestUser> {
    const username = uniqueUsername(prefix);
    const response = await this.http.post('/auth/register').send({ username, password });
    expect(response.status).toBe(201);
    const tokens = await this.login(username, password);
    return { id: (response.body as { id: string }).id, username, password, tokens };
  }

  /** `POST /auth/refresh`; fails the test unless it answers 200. */
  async refresh(tokens: TokenPair): Promise<TokenPair> {
    const response = await this.http
      .post('/auth/refresh')
      .send({ refreshToken: tokens.refreshToken });
    expect(response.status).toBe(200);
    return response.body as TokenPair;
  }

  /** The user's id, read through `GET /me`. */
  async idOf(tokens: TokenPair): Promise<string> {
    const response = await this.http.get('/me').set(bearer(tokens.accessToken));
    expect(response.status).toBe(200);
    return (response.body as { id: string }).id;
  }

  /** Stops the app and drops its database. */
  async stop(): Promise<void> {
    await this.app.close();
    await this.database.drop();
  }
}
