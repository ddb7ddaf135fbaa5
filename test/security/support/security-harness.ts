import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Type } from '@nestjs/common';
import {
  ManualClock,
  MemorySessionStore,
  SessionStore,
  SessionSweeper,
  TokenService,
  UserEntity,
  UserService,
  type IssuedTokens,
  type SessionModuleOptions,
} from 'nest-sessions';
import { createClient } from 'redis';
import type { Response } from 'supertest';
import { LikeEntity } from '../../../sample-app/src/posts/like.entity.js';
import { PostEntity } from '../../../sample-app/src/posts/post.entity.js';
import {
  bearer,
  ChirpHarness,
  DEMO_PASSWORD,
  type ChirpTestConfig,
  type TokenPair,
} from '../../e2e/chirp-harness.js';
import { dialectAvailable, type SqlDialect } from '../../support/databases.js';
import { serviceAvailable } from '../../support/services.js';
import { CapturingLogger } from './log-capture.js';

export { bearer, DEMO_PASSWORD, type TokenPair };

/** Where sessions live in a configuration (`SESSION_STORE`). */
export type StoreKind = 'memory' | 'database' | 'redis' | 'tiered';

/** One configuration the security suite runs Chirp in. */
export interface SecurityConfig {
  /** Shown in suite titles. */
  readonly name: string;
  readonly strategy: 'reference' | 'value';
  readonly store: StoreKind;
  /** Where users and posts live (and sessions, with the database and tiered stores). */
  readonly dialect: SqlDialect;
  /** `HTTP_ADAPTER`. */
  readonly adapter: 'express' | 'fastify';
  /**
   * Whether this is one of the always-available core configurations (memory or SQLite,
   * Express). Cases that do not depend on the store run only on these.
   */
  readonly core: boolean;
}

/** Named store targets a suite can ask for. */
export type TargetName = 'memory' | 'sqlite' | 'postgres' | 'mariadb' | 'redis' | 'tiered';

const TARGETS: Record<TargetName, { store: StoreKind; dialect: SqlDialect; label: string }> = {
  memory: { store: 'memory', dialect: 'sqlite', label: 'memory store' },
  sqlite: { store: 'database', dialect: 'sqlite', label: 'database store on SQLite' },
  postgres: { store: 'database', dialect: 'postgres', label: 'database store on PostgreSQL' },
  mariadb: { store: 'database', dialect: 'mariadb', label: 'database store on MariaDB' },
  redis: { store: 'redis', dialect: 'sqlite', label: 'Redis store' },
  tiered: { store: 'tiered', dialect: 'sqlite', label: 'tiered store (SQLite + Redis)' },
};

/** Memory and SQLite: always available, the cheap matrix. */
export const CORE_TARGETS: readonly TargetName[] = ['memory', 'sqlite'];

/** Every store Chirp can run on, where the server is available. */
export const EVERY_TARGET: readonly TargetName[] = [
  'memory',
  'sqlite',
  'postgres',
  'mariadb',
  'redis',
  'tiered',
];

const skipped = new Set<string>();

function skip(line: string): void {
  if (skipped.has(line)) return;
  skipped.add(line);
  process.stdout.write(`\n[skip] ${line}\n`);
}

function targetAvailable(target: TargetName): boolean {
  const { store, dialect } = TARGETS[target];
  if (!dialectAvailable(dialect)) {
    skip(`security suites on ${TARGETS[target].label}: server unreachable`);
    return false;
  }
  if ((store === 'redis' || store === 'tiered') && !serviceAvailable('redis')) {
    skip(`security suites on the ${store} store: Redis unreachable`);
    return false;
  }
  return true;
}

/**
 * The configurations for `targets` × `strategies` that can run here; the others are
 * reported once with a `[skip]` line (PostgreSQL/MariaDB/Redis unreachable, or a store
 * Chirp does not offer yet).
 */
export function securityConfigs(
  targets: readonly TargetName[],
  strategies: ReadonlyArray<'reference' | 'value'> = ['reference', 'value'],
  adapter: 'express' | 'fastify' = 'express',
): SecurityConfig[] {
  return targets.filter(targetAvailable).flatMap((target) =>
    strategies.map((strategy) => ({
      name: `${strategy} tokens, ${TARGETS[target].label}${adapter === 'fastify' ? ', Fastify' : ''}`,
      strategy,
      store: TARGETS[target].store,
      dialect: TARGETS[target].dialect,
      adapter,
      core: adapter === 'express' && CORE_TARGETS.includes(target),
    })),
  );
}

/**
 * The store matrix: every store available with reference tokens (every lookup reads the
 * store), and value tokens on the core stores, or on every store too with
 * `valueEverywhere` (for cases where value tokens use the store differently, e.g.
 * publishing revocations).
 */
export function storeMatrix(valueEverywhere = false): SecurityConfig[] {
  if (valueEverywhere) return securityConfigs(EVERY_TARGET);
  const others = EVERY_TARGET.filter((target) => !CORE_TARGETS.includes(target));
  return [...securityConfigs(CORE_TARGETS), ...securityConfigs(others, ['reference'])];
}

/**
 * Reference tokens on the memory store and value tokens on the SQLite store: both
 * strategies and both core stores in two configurations, for cases that depend on the
 * strategy but not on the store. With `withFastify`, both strategies on Fastify too (memory
 * store).
 */
export function pairedConfigs(withFastify = false): SecurityConfig[] {
  return [
    ...securityConfigs(['memory'], ['reference']),
    ...securityConfigs(['sqlite'], ['value']),
    ...(withFastify ? securityConfigs(['memory'], ['reference', 'value'], 'fastify') : []),
  ];
}

/** Test-only options of a {@link SecurityChirp}. */
export interface SecurityStartOptions {
  /** Extra Chirp environment (e.g. `SESSION_TTL`, `JWT_LEEWAY`, `RATE_LIMIT`). */
  readonly env?: Record<string, string>;
  /** Session-module options over Chirp's (the clock is always a `ManualClock`). */
  readonly sessionOptions?: Pick<
    SessionModuleOptions,
    'storeTimeout' | 'maxSessionsPerUser' | 'refreshGracePeriod' | 'touchInterval'
  >;
  /** Probe controllers mounted beside Chirp's. */
  readonly controllers?: Type[];
}

/** The library's session tables. */
export const SESSION_TABLES = [
  'ns_sessions',
  'ns_refresh_tokens',
  'ns_session_subjects',
  'ns_revocations',
] as const;

/** The store methods the harness counts (and can make fail). */
const STORE_METHODS = [
  'create',
  'findByAccessHash',
  'findByRefreshHash',
  'findById',
  'touch',
  'rotate',
  'delete',
  'revokeAll',
  'listByUser',
  'setPermissions',
  'publishRevocation',
  'readRevocations',
  'deleteExpired',
  'clear',
] as const;

type StoreMethod = (typeof STORE_METHODS)[number];
type AnyAsync = (...args: unknown[]) => Promise<unknown>;

/** How the instrumented store misbehaves (S68): `fail` rejects at once, `hang` never answers. */
export type StoreFault = 'fail' | 'hang' | null;

/** Store and business state that an attack must leave unchanged (G4, G5). */
export interface Snapshot {
  /** Every user: profile fields, password hash, disabled flag, granted permissions. */
  readonly users: unknown[];
  /** Per user: the subject record and every stored session (hashes, epoch, `lastActiveAt`…). */
  readonly sessions: unknown[];
  /** Ids of the published revocation notices. */
  readonly notices: string[];
  /** Memory store size, or row counts of the session tables. */
  readonly storeSize: Record<string, number>;
  /** Posts (id, author, text) and likes (post, user). */
  readonly posts: unknown[];
  readonly likes: unknown[];
}

/** Asserts that nothing an attack could change did change (G4 store, G5 business). */
export function expectNoSideEffect(before: Snapshot, after: Snapshot): void {
  expect(after).toEqual(before);
}

/** The demo users the harness knows by name. */
export type DemoUser = 'alice' | 'bob' | 'mod' | 'admin';

/** What a started {@link SecurityChirp} runs on. */
interface Running {
  readonly harness: ChirpHarness;
  readonly clock: ManualClock;
  readonly log: CapturingLogger;
  readonly ids: Record<DemoUser, string>;
  /** The store, uninstrumented. */
  readonly store: SessionStore;
}

/**
 * Chirp built exactly as `main.ts` builds it (through {@link ChirpHarness}), with what the
 * security suite needs around it: a `ManualClock` (expiry without sleeping), a logger that
 * keeps every line (S70), a store whose calls are counted and can be made to fail (S12,
 * S62, S68), a control session for "the app still serves" (G1), and {@link snapshot} of
 * the store and business state (G4/G5). `RATE_LIMIT=off` unless a suite turns it on: the
 * suites send hundreds of bad tokens from one address on purpose.
 *
 * Created stopped, so that a suite can hold it from its `describe` body: see
 * {@link useSecurityChirp}. What needs the running app throws until {@link start}.
 */
export class SecurityChirp {
  /** Every token, password and secret this app saw; none may appear in its log (S70). */
  readonly secrets = new Set<string>([DEMO_PASSWORD]);
  /** Store calls per method since start. */
  readonly storeCalls = new Map<StoreMethod, number>();
  /** Set to make the store fail or hang (S68). */
  storeFault: StoreFault = null;
  private running: Running | null = null;
  private control = '';

  /**
   * @param config the configuration to run Chirp in
   * @param options test-only environment, session options and controllers
   */
  constructor(
    readonly config: SecurityConfig,
    private readonly options: SecurityStartOptions = {},
  ) {}

  /** Starts Chirp, and a control session. */
  async start(): Promise<void> {
    const clock = new ManualClock(Date.now());
    const log = new CapturingLogger();
    const { config, options } = this;
    const testConfig: ChirpTestConfig = {
      name: config.name,
      strategy: config.strategy,
      store: config.store,
      dialect: config.dialect,
      storeWide: true,
      adapter: config.adapter,
    };
    const harness = await ChirpHarness.start(
      testConfig,
      { RATE_LIMIT: 'off', ...options.env },
      {
        sessionOptions: { clock, sweepInterval: 0, ...options.sessionOptions },
        logger: log,
        controllers: options.controllers,
      },
    );
    const key = harness.config.jwtKey;
    if (key?.kind === 'secret') this.secrets.add(key.secret);
    const users = harness.app.get(UserService);
    const idOf = async (name: DemoUser) => (await users.findByUsername(name))!.id;
    this.running = {
      harness,
      clock,
      log,
      ids: {
        alice: await idOf('alice'),
        bob: await idOf('bob'),
        mod: await idOf('mod'),
        admin: await idOf('admin'),
      },
      store: this.instrument(harness.app.get(SessionStore)),
    };
    await this.resetControl();
  }

  /** The running app's harness (config, app, data source). */
  get harness(): ChirpHarness {
    return this.live().harness;
  }

  /** The app's clock: advance it instead of sleeping. */
  get clock(): ManualClock {
    return this.live().clock;
  }

  /** Everything the app logged since start. */
  get log(): CapturingLogger {
    return this.live().log;
  }

  /** The user ids of the demo users, by name. */
  get ids(): Record<DemoUser, string> {
    return this.live().ids;
  }

  /** A supertest client of the running app. */
  get http(): ChirpHarness['http'] {
    return this.harness.http;
  }

  /** The TCP port Chirp listens on (for raw sockets). */
  get port(): number {
    return (this.harness.app.getHttpServer().address() as { port: number }).port;
  }

  /** The app's token service (to mint sessions without a password hash, or inspect). */
  get tokens(): TokenService {
    return this.harness.app.get(TokenService);
  }

  /** The app's session store, uninstrumented (not counted, never failing). */
  get store(): SessionStore {
    return this.live().store;
  }

  /** The HMAC secret of value tokens (generated at start-up, as in development). */
  get jwtSecret(): string {
    const key = this.harness.config.jwtKey;
    if (key?.kind !== 'secret') throw new Error('not a value-token configuration with a secret');
    return key.secret;
  }

  /** Remembers `value` as a secret that must never be logged. Returns it. */
  secret<T extends string>(value: T): T {
    this.secrets.add(value);
    return value;
  }

  /** `POST /auth/login`; fails the test unless 200. Tokens are remembered as secrets. */
  async login(
    username: string,
    password = DEMO_PASSWORD,
    userAgent = 'security',
  ): Promise<TokenPair> {
    this.secret(password);
    const pair = await this.harness.login(username, password, userAgent);
    this.remember(pair);
    return pair;
  }

  /**
   * A new session for a demo user without the password round (no argon2): what login does
   * after the password check, through the app's own `TokenService` and current permissions.
   */
  async session(username: DemoUser): Promise<TokenPair> {
    return this.sessionFor(this.ids[username]);
  }

  /** Like {@link session} for any user id. */
  async sessionFor(userId: string): Promise<TokenPair> {
    const permissions = await this.harness.app.get(UserService).getPermissions(userId);
    const issued: IssuedTokens = await this.tokens.issue(
      { userId, permissions },
      { ip: '127.0.0.1', userAgent: 'security' },
    );
    const pair = {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      tokenType: issued.tokenType,
      expiresIn: issued.expiresIn,
    };
    this.remember(pair);
    return pair;
  }

  /** `POST /auth/refresh` with `refreshToken`; new tokens are remembered as secrets. */
  async refresh(refreshToken: string): Promise<Response> {
    const response = await this.http.post('/auth/refresh').send({ refreshToken });
    if (response.status === 200) this.remember(response.body as TokenPair);
    return response;
  }

  /**
   * `POST /posts {text}` as the holder of `accessToken`; fails the test unless 201.
   * @returns the new post's id.
   */
  async createPost(accessToken: string, text: string): Promise<number> {
    const response = await this.http.post('/posts').set(bearer(accessToken)).send({ text });
    expect({ created: text, status: response.status }).toEqual({ created: text, status: 201 });
    return (response.body as { id: number }).id;
  }

  /** `GET /me` with `token`. */
  me(token: string): Promise<Response> {
    return this.http.get('/me').set(bearer(token));
  }

  /** Remembers a token pair as secrets (and a JWT's signature segment on its own). */
  remember(pair: Partial<TokenPair>): void {
    for (const token of [pair.accessToken, pair.refreshToken]) {
      if (typeof token !== 'string') continue;
      this.secrets.add(token);
      const dot = token.lastIndexOf('.');
      if (dot > 0) this.secrets.add(token.slice(dot + 1));
    }
  }

  /** A new control session (after a test revoked every session, e.g. incident response). */
  async resetControl(): Promise<void> {
    this.control = (await this.session('mod')).accessToken;
  }

  /** G1: the app still serves: a valid `GET /me` answers 200. */
  async expectServing(): Promise<void> {
    const response = await this.me(this.control);
    expect({ control: 'GET /me with a valid token', status: response.status }).toEqual({
      control: 'GET /me with a valid token',
      status: 200,
    });
  }

  /**
   * Runs one negative case: snapshot, `send`, `check` the answer, then asserts no side
   * effect (G4/G5) and that the app still serves (G1).
   * @returns the answer, for further checks.
   */
  async probe<R>(send: () => PromiseLike<R>, check: (response: R) => void): Promise<R> {
    const before = await this.snapshot();
    const response = await send();
    check(response);
    expectNoSideEffect(before, await this.snapshot());
    await this.expectServing();
    return response;
  }

  /**
   * How many store calls `action` caused (the value-token revocation poll, which runs on a
   * timer, is not counted).
   */
  async countStoreCalls(action: () => PromiseLike<unknown>): Promise<number> {
    const total = () =>
      [...this.storeCalls.entries()]
        .filter(([method]) => method !== 'readRevocations')
        .reduce((sum, [, calls]) => sum + calls, 0);
    const before = total();
    await action();
    return total() - before;
  }

  /** Runs the sweeper once now (it is off in these tests: the clock is manual). */
  sweep(): Promise<number> {
    return this.harness.app.get(SessionSweeper).sweep();
  }

  /** Store and business state (G4/G5), read directly from the store and the database. */
  async snapshot(): Promise<Snapshot> {
    const ds = this.harness.dataSource;
    const [users, entities, notices, storeSize, posts, likes] = await Promise.all([
      this.harness.app.get(UserService).list(),
      ds.getRepository(UserEntity).find(),
      this.store.readRevocations(0),
      this.storeSize(),
      ds.getRepository(PostEntity).find({ order: { id: 'ASC' } }),
      ds.getRepository(LikeEntity).find(),
    ]);
    const hashes = new Map(entities.map((u) => [u.id, u.passwordHash]));
    const sessions = await Promise.all(
      users.map(async (user) => {
        const listed = await this.store.listByUser(user.id);
        return {
          user: user.username,
          subject: listed.subject,
          sessions: [...listed.sessions].sort((a, b) => (a.id < b.id ? -1 : 1)),
        };
      }),
    );
    return {
      users: users.map((u) => ({ ...u, passwordHash: hashes.get(u.id) })),
      sessions,
      notices: notices.map((n) => n.id).sort(),
      storeSize,
      posts: posts.map((p) => ({ id: p.id, authorId: p.authorId, text: p.text })),
      likes: likes.map((l) => `${l.postId}/${l.userId}`).sort(),
    };
  }

  /** Memory store size, or row counts of the session tables (SQL and tiered stores). */
  private async storeSize(): Promise<Record<string, number>> {
    const size: Record<string, number> = {};
    const store = this.harness.app.get(SessionStore);
    if (store instanceof MemorySessionStore) size.memory = store.size;
    if (this.config.store === 'database' || this.config.store === 'tiered') {
      const rows: Array<Record<string, unknown>> = await this.harness.dataSource.query(
        'SELECT ' + SESSION_TABLES.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(', '),
      );
      for (const table of SESSION_TABLES) size[table] = Number(rows[0][table]);
    }
    return size;
  }

  /**
   * Every Redis key of this app (Redis and tiered stores) with its type, remaining
   * lifetime (ms; -1 for none) and value, read with a client of the test's own.
   */
  async redisEntries(): Promise<
    Array<{ key: string; type: string; pttl: number; value: unknown }>
  > {
    const client = createClient({ url: this.harness.config.redisUrl });
    await client.connect();
    try {
      const entries = [];
      for await (const keys of client.scanIterator({
        MATCH: `${this.harness.config.redisPrefix}*`,
        COUNT: 500,
      })) {
        for (const key of keys) {
          const type = await client.type(key);
          const value =
            type === 'string'
              ? await client.get(key)
              : type === 'hash'
                ? await client.hGetAll(key)
                : type === 'set'
                  ? await client.sMembers(key)
                  : type === 'zset'
                    ? await client.zRange(key, 0, -1)
                    : type === 'list'
                      ? await client.lRange(key, 0, -1)
                      : null;
          entries.push({ key, type, pttl: await client.pTTL(key), value });
        }
      }
      return entries;
    } finally {
      await client.close();
    }
  }

  /** Stops the app and drops its database; nothing to do if it did not start. */
  async stop(): Promise<void> {
    this.storeFault = null;
    const running = this.running;
    this.running = null;
    await running?.harness.stop();
  }

  private live(): Running {
    if (!this.running) {
      throw new Error(`Chirp (${this.config.name}) is not running: start() it first`);
    }
    return this.running;
  }

  /**
   * Wraps the store's methods on the instance the library uses: each call is counted, and
   * {@link storeFault} makes them fail or hang. Returns an uninstrumented view for snapshots.
   */
  private instrument(store: SessionStore): SessionStore {
    const target = store as unknown as Record<StoreMethod, AnyAsync>;
    const raw = Object.create(store) as Record<StoreMethod, AnyAsync>;
    for (const name of STORE_METHODS) {
      const original = target[name].bind(store);
      raw[name] = original;
      target[name] = (...args: unknown[]) => {
        this.storeCalls.set(name, (this.storeCalls.get(name) ?? 0) + 1);
        if (this.storeFault === 'fail') {
          return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432 (simulated)'));
        }
        if (this.storeFault === 'hang') return new Promise<never>(() => undefined);
        return original(...args);
      };
    }
    return raw as unknown as SessionStore;
  }
}

/**
 * Runs Chirp in `config` around the enclosing `describe`: started in a `beforeAll`, stopped
 * in an `afterAll`. Call it first in the `describe`, so that the suite's own hooks run
 * against the started app.
 *
 * @returns the app (stopped until the suite's hooks run).
 * @example
 * const chirp = useSecurityChirp(config, { env: { RATE_LIMIT: 'on' } });
 * it('…', async () => expect((await chirp.me(token)).status).toBe(401));
 */
export function useSecurityChirp(
  config: SecurityConfig,
  options: SecurityStartOptions = {},
): SecurityChirp {
  const chirp = new SecurityChirp(config, options);
  beforeAll(() => chirp.start());
  afterAll(() => chirp.stop());
  return chirp;
}

/**
 * Registers the S70 log check of a suite, to be called last in its `describe`: nothing
 * Chirp logged while the suite ran contains a token, a refresh token, a password or the
 * JWT secret the suite used.
 */
export function itKeepsSecretsOutOfTheLog(chirp: SecurityChirp): void {
  it('S70: the log holds no token, password or secret used in this suite', () => {
    const log = chirp.log.dump();
    const leaked = [...chirp.secrets].filter(
      (secret) => secret.length >= 8 && log.includes(secret),
    );
    expect(leaked).toEqual([]);
  });
}
