import { join } from 'node:path';
import { call, field } from './http.js';

/** What a client presents, and what it needs to refresh. */
export interface Credential {
  /** Headers that authenticate a request (Bearer token or session cookie). */
  readonly headers: Record<string, string>;
  /** The refresh token, when the configuration has one. */
  readonly refreshToken: string | null;
}

/** The resources of one benchmark run the configurations are built on. */
export interface RunContext {
  /** Root of the built project (`dist/`'s parent). */
  readonly root: string;
  /** Scratch directory of this run (SQLite files, profiles). */
  readonly workDir: string;
  /** The bench's own Redis, or `null`. */
  readonly redisUrl: string | null;
  /** The run's own PostgreSQL database, or `null`. */
  readonly postgresUrl: string | null;
  /** HMAC secret shared by the instances of value-token configurations. */
  readonly jwtSecret: string;
}

/** How "survives a restart of the store" is measured for a configuration. */
export type StoreRestart =
  /** The store lives in the app's process (memory, SQLite): the app restart is the store's. */
  | 'in-process'
  /** Restart the bench's own redis-server. */
  | 'redis'
  /** Not measured (no store, or a shared server the bench must not restart). */
  | null;

/** One row of the benchmark: a configuration of Chirp, or a peer. */
export interface Target {
  /** Row name, e.g. `reference × memory`. */
  readonly name: string;
  /** Short id for `--only`, key prefixes and files. */
  readonly slug: string;
  /** Ours (Chirp on nest-sessions) or a peer. */
  readonly kind: 'ours' | 'peer';
  /** Token strategy. */
  readonly strategy: 'reference' | 'value' | null;
  /** Store, as shown in the tables. */
  readonly store: string;
  /** What it needs to run. */
  readonly needs: readonly ('postgres' | 'redis')[];
  /** See {@link StoreRestart}. */
  readonly storeRestart: StoreRestart;
  /** Why the store-restart column is not measured, when it is not. */
  readonly storeRestartNote?: string;
  /** Built script to run, relative to the root. */
  readonly script: string;
  /** Its environment. */
  env(ctx: RunContext): Record<string, string>;
  /** Logs in on `base`; `null` if that failed. */
  login(base: string): Promise<Credential | null>;
  /** Logs out; the status code. `null` when the configuration has no logout. */
  readonly logout: ((base: string, credential: Credential) => Promise<number>) | null;
  /** Spends the refresh token; the status code (200: a new pair). `null` when there is none. */
  readonly refresh: ((base: string, credential: Credential) => Promise<number>) | null;
}

const DEMO = { username: 'alice', password: 'chirp-demo-password' };

async function bearerLogin(base: string): Promise<Credential | null> {
  const answer = await call('POST', `${base}/auth/login`, { json: DEMO, timeoutMs: 15_000 });
  const token = field(answer.body, 'accessToken');
  if (answer.status !== 200 || !token) return null;
  return {
    headers: { authorization: `Bearer ${token}` },
    refreshToken: field(answer.body, 'refreshToken'),
  };
}

async function bearerLogout(base: string, credential: Credential): Promise<number> {
  return (await call('POST', `${base}/auth/logout`, { headers: credential.headers })).status;
}

async function chirpRefresh(base: string, credential: Credential): Promise<number> {
  if (!credential.refreshToken) return 401;
  const answer = await call('POST', `${base}/auth/refresh`, {
    json: { refreshToken: credential.refreshToken },
  });
  return answer.status === 200 && field(answer.body, 'accessToken') === null ? 500 : answer.status;
}

async function cookieLogin(base: string): Promise<Credential | null> {
  const answer = await call('POST', `${base}/auth/login`, { json: DEMO });
  const cookie = answer.cookies.map((c) => c.split(';')[0]).find((c) => c.includes('='));
  if (answer.status !== 200 || !cookie) return null;
  return { headers: { cookie }, refreshToken: null };
}

function sqlite(ctx: RunContext, slug: string): string {
  return `sqlite:${join(ctx.workDir, `${slug}.sqlite`)}`;
}

interface ChirpSpec {
  readonly slug: string;
  readonly strategy: 'reference' | 'value';
  readonly store: 'memory' | 'database' | 'redis' | 'tiered';
  readonly database: 'sqlite' | 'postgres';
  readonly label: string;
}

function chirp(spec: ChirpSpec): Target {
  const redisBacked = spec.store === 'redis' || spec.store === 'tiered';
  const needs: ('postgres' | 'redis')[] = [];
  if (spec.database === 'postgres') needs.push('postgres');
  if (redisBacked) needs.push('redis');
  return {
    name: `${spec.strategy} × ${spec.label}`,
    slug: spec.slug,
    kind: 'ours',
    strategy: spec.strategy,
    store: spec.label,
    needs,
    storeRestart: redisBacked ? 'redis' : spec.database === 'sqlite' ? 'in-process' : null,
    storeRestartNote:
      !redisBacked && spec.database === 'postgres'
        ? 'the PostgreSQL server is shared: not restarted'
        : undefined,
    script: 'dist/bench/chirp-bench-main.js',
    env: (ctx) => ({
      NODE_ENV: 'production',
      PORT: '0',
      TOKEN_STRATEGY: spec.strategy,
      SESSION_STORE: spec.store,
      DATABASE_URL: spec.database === 'postgres' ? (ctx.postgresUrl ?? '') : sqlite(ctx, spec.slug),
      ...(ctx.redisUrl ? { REDIS_URL: ctx.redisUrl } : {}),
      ...(spec.strategy === 'value' ? { JWT_SECRET: ctx.jwtSecret } : {}),
      REDIS_PREFIX: `bench-${spec.slug}`,
    }),
    login: bearerLogin,
    logout: bearerLogout,
    refresh: chirpRefresh,
  };
}

/** Every configuration of the benchmark, in table order: ours, then the peers. */
export function allTargets(): Target[] {
  return [
    chirp({
      slug: 'ref-memory',
      strategy: 'reference',
      store: 'memory',
      database: 'sqlite',
      label: 'memory',
    }),
    chirp({
      slug: 'ref-sqlite',
      strategy: 'reference',
      store: 'database',
      database: 'sqlite',
      label: 'SQLite',
    }),
    chirp({
      slug: 'ref-postgres',
      strategy: 'reference',
      store: 'database',
      database: 'postgres',
      label: 'PostgreSQL',
    }),
    chirp({
      slug: 'ref-redis',
      strategy: 'reference',
      store: 'redis',
      database: 'sqlite',
      label: 'Redis',
    }),
    chirp({
      slug: 'ref-tiered',
      strategy: 'reference',
      store: 'tiered',
      database: 'postgres',
      label: 'tiered',
    }),
    chirp({
      slug: 'value-sqlite',
      strategy: 'value',
      store: 'database',
      database: 'sqlite',
      label: 'SQLite',
    }),
    chirp({
      slug: 'value-redis',
      strategy: 'value',
      store: 'redis',
      database: 'sqlite',
      label: 'Redis',
    }),
    {
      name: 'passport-jwt (Nest docs)',
      slug: 'peer-passport-jwt',
      kind: 'peer',
      strategy: 'value',
      store: 'none',
      needs: [],
      storeRestart: null,
      storeRestartNote: 'no store',
      script: 'dist/bench/peers/passport-jwt.peer.js',
      env: (ctx) => ({ NODE_ENV: 'production', PORT: '0', JWT_SECRET: ctx.jwtSecret }),
      login: bearerLogin,
      logout: null,
      refresh: null,
    },
    {
      name: 'express-session MemoryStore',
      slug: 'peer-session-memory',
      kind: 'peer',
      strategy: 'reference',
      store: 'memory',
      needs: [],
      storeRestart: 'in-process',
      script: 'dist/bench/peers/express-session.peer.js',
      env: () => ({ NODE_ENV: 'production', PORT: '0', PEER_STORE: 'memory' }),
      login: cookieLogin,
      logout: bearerLogout,
      refresh: null,
    },
    {
      name: 'express-session + connect-redis',
      slug: 'peer-session-redis',
      kind: 'peer',
      strategy: 'reference',
      store: 'Redis',
      needs: ['redis'],
      storeRestart: 'redis',
      script: 'dist/bench/peers/express-session.peer.js',
      env: (ctx) => ({
        NODE_ENV: 'production',
        PORT: '0',
        PEER_STORE: 'redis',
        REDIS_URL: ctx.redisUrl ?? '',
        BENCH_KEY_PREFIX: 'bench-peer-session-redis',
      }),
      login: cookieLogin,
      logout: bearerLogout,
      refresh: null,
    },
    {
      name: 'naive TypeORM findOne (PostgreSQL)',
      slug: 'peer-typeorm-naive',
      kind: 'peer',
      strategy: 'reference',
      store: 'PostgreSQL',
      needs: ['postgres'],
      storeRestart: null,
      storeRestartNote: 'the PostgreSQL server is shared: not restarted',
      script: 'dist/bench/peers/typeorm-naive.peer.js',
      env: (ctx) => ({ NODE_ENV: 'production', PORT: '0', DATABASE_URL: ctx.postgresUrl ?? '' }),
      login: bearerLogin,
      logout: bearerLogout,
      refresh: null,
    },
  ];
}
