import { ChirpConfigError } from './chirp-config.error.js';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.js';
import { loadJwtKey, type ChirpJwtKey } from './jwt-key.js';
import { checkChirpJwtOptions } from './jwt-options.js';

/** Chirp's configuration, parsed and validated from the environment. */
export interface ChirpConfig {
  /** TCP port to listen on (`PORT`, default 3000). */
  readonly port: number;
  /** Access-token strategy (`TOKEN_STRATEGY`, default `reference`). */
  readonly tokenStrategy: 'reference' | 'value';
  /** Where sessions live (`SESSION_STORE`, default `database`). */
  readonly sessionStore: 'memory' | 'database' | 'redis' | 'tiered';
  /** `DATABASE_URL` as given (may hold a password: never log it, see `redactDatabaseUrl`). */
  readonly databaseUrl: string;
  /** `DATABASE_URL`, parsed. */
  readonly database: DatabaseTarget;
  /** `REDIS_URL`, for `SESSION_STORE=redis` and `tiered`. */
  readonly redisUrl: string;
  /** Prefix of Chirp's Redis keys (`REDIS_PREFIX`, `chirp`): instances sharing sessions share it. */
  readonly redisPrefix: string;
  /** Seconds an access token lives; the idle timeout for reference tokens (`ACCESS_TOKEN_TTL`, 900). */
  readonly accessTokenTtl: number;
  /** Absolute session lifetime in seconds (`SESSION_TTL`, 1209600 = 14 days). */
  readonly sessionTtl: number;
  /**
   * How value tokens are signed (`JWT_SECRET`, `JWT_PRIVATE_KEY_FILE`, `JWT_KEY_ID`; with
   * value tokens outside production and neither set, a secret generated at start-up).
   * `null` with reference tokens when no key is configured. Never log it.
   */
  readonly jwtKey: ChirpJwtKey | null;
  /** Seconds of clock tolerance for value tokens (`JWT_LEEWAY`, 0). */
  readonly jwtLeeway: number;
  /** Password of the demo users (`DEMO_PASSWORD`). Never log it. */
  readonly demoPassword: string;
  /** Whether `DEMO_PASSWORD` was set explicitly (start-up says where the password comes from). */
  readonly demoPasswordFromEnv: boolean;
  /** Whether to create the demo users at start-up (`DEMO_USERS`, true). */
  readonly demoUsers: boolean;
  /** Throttling of failed logins and invalid tokens (`RATE_LIMIT`, on). */
  readonly rateLimit: boolean;
  /**
   * Proxies whose `X-Forwarded-For` is believed for the client address (`TRUST_PROXY`):
   * `false` (the default: the socket's peer is the client, forwarded headers are ignored),
   * or Express's `trust proxy` forms: `loopback`, `linklocal`, `uniquelocal`, addresses,
   * CIDR ranges, comma-separated.
   */
  readonly trustProxy: string | false;
  /** HTTP platform (`HTTP_ADAPTER`, default `express`). */
  readonly httpAdapter: 'express' | 'fastify';
  /**
   * Where tokens travel (`AUTH_TRANSPORT`, default `header`): `header` (JSON bodies, then
   * `Authorization: Bearer`) or `cookie` (`HttpOnly` cookies, with the CSRF defence).
   */
  readonly authTransport: 'header' | 'cookie';
}

/** The environment variables Chirp reads; anything else is ignored. */
export type ChirpEnv = Readonly<Record<string, string | undefined>>;

/** Defaults of the contract's configuration table. */
export const CHIRP_DEFAULTS = {
  port: 3000,
  databaseUrl: 'sqlite:./data/chirp.sqlite',
  redisUrl: 'redis://127.0.0.1:6379',
  accessTokenTtl: 900,
  sessionTtl: 1_209_600,
  demoPassword: 'chirp-demo-password',
} as const;

/** Longest TTL accepted, in seconds (about 10 years; anything above is a typo). */
const MAX_TTL_SECONDS = 315_360_000;

/** Largest clock tolerance for value tokens, in seconds (RFC 8725 advice: keep it small). */
const MAX_JWT_LEEWAY_SECONDS = 60;

function read(env: ChirpEnv, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads an enumerated variable. Values in `later` are valid in the contract but not yet
 * built, and stop start-up with a line saying so.
 */
function choice<T extends string>(
  env: ChirpEnv,
  name: string,
  fallback: T,
  supported: readonly T[],
  later: readonly string[],
): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase();
  if ((supported as readonly string[]).includes(value)) return value as T;
  if (later.includes(value)) {
    throw new ChirpConfigError(
      name,
      `'${raw}' is not supported yet by this build (use ${supported.join(' or ')})`,
    );
  }
  throw new ChirpConfigError(
    name,
    `unknown value ${JSON.stringify(raw)} (use ${[...supported, ...later].join(', ')})`,
  );
}

function wholeNumber(
  env: ChirpEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  what: string,
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new ChirpConfigError(
      name,
      `${JSON.stringify(raw)} is not ${what} (a whole number from ${min} to ${max})`,
    );
  }
  return value;
}

function flag(env: ChirpEnv, name: string, fallback: boolean, yes: string, no: string): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase();
  if (value === yes) return true;
  if (value === no) return false;
  throw new ChirpConfigError(name, `unknown value ${JSON.stringify(raw)} (use ${yes} or ${no})`);
}

function trustProxy(env: ChirpEnv): string | false {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || raw.toLowerCase() === 'off') return false;
  const parts = raw.split(',').map((part) => part.trim());
  const valid = parts.every(
    (part) =>
      ['loopback', 'linklocal', 'uniquelocal'].includes(part) ||
      /^[0-9A-Fa-f:.]{2,45}(\/\d{1,3})?$/.test(part),
  );
  if (!valid) {
    throw new ChirpConfigError(
      'TRUST_PROXY',
      `${JSON.stringify(raw)} is not a proxy list (use off, loopback, linklocal, uniquelocal, addresses or CIDR ranges, comma-separated)`,
    );
  }
  return parts.join(',');
}

function redisPrefix(env: ChirpEnv): string {
  const raw = read(env, 'REDIS_PREFIX') ?? 'chirp';
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(raw)) {
    throw new ChirpConfigError('REDIS_PREFIX', 'expected 1 to 32 characters of [A-Za-z0-9_.-]');
  }
  return raw;
}

function redisUrl(env: ChirpEnv): string {
  const raw = read(env, 'REDIS_URL') ?? CHIRP_DEFAULTS.redisUrl;
  let url: URL | null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  const db = url?.pathname.replace(/^\//, '') ?? '';
  if (!url || !['redis:', 'rediss:'].includes(url.protocol) || !url.hostname || !/^\d*$/.test(db)) {
    throw new ChirpConfigError(
      'REDIS_URL',
      'expected redis://host:port[/db] (or rediss:// for TLS)',
    );
  }
  return raw;
}

/**
 * Parses and validates Chirp's configuration from `env` (normally `process.env`).
 * Every variable of the contract is checked, also those this build does not use yet.
 * With `TOKEN_STRATEGY=value` and no key configured (outside production), this is where
 * the random signing secret is generated: call it once per start.
 *
 * @throws ChirpConfigError naming the first bad variable.
 * @example
 * const config = loadChirpConfig(process.env);
 */
export function loadChirpConfig(env: ChirpEnv): ChirpConfig {
  const port = wholeNumber(env, 'PORT', CHIRP_DEFAULTS.port, 0, 65_535, 'a TCP port');
  const tokenStrategy = choice(env, 'TOKEN_STRATEGY', 'reference', ['reference', 'value'], []);
  const sessionStore = choice(
    env,
    'SESSION_STORE',
    'database',
    ['memory', 'database', 'redis', 'tiered'],
    [],
  );
  const databaseUrl = read(env, 'DATABASE_URL') ?? CHIRP_DEFAULTS.databaseUrl;
  const database = parseDatabaseUrl(databaseUrl);
  const accessTokenTtl = wholeNumber(
    env,
    'ACCESS_TOKEN_TTL',
    CHIRP_DEFAULTS.accessTokenTtl,
    1,
    MAX_TTL_SECONDS,
    'a number of seconds',
  );
  const sessionTtl = wholeNumber(
    env,
    'SESSION_TTL',
    CHIRP_DEFAULTS.sessionTtl,
    1,
    MAX_TTL_SECONDS,
    'a number of seconds',
  );
  if (sessionTtl < accessTokenTtl) {
    throw new ChirpConfigError(
      'SESSION_TTL',
      `${sessionTtl} s is shorter than ACCESS_TOKEN_TTL (${accessTokenTtl} s); a session must outlive its access token`,
    );
  }
  const jwtKey = loadJwtKey(env, tokenStrategy);
  const jwtLeeway = wholeNumber(
    env,
    'JWT_LEEWAY',
    0,
    0,
    MAX_JWT_LEEWAY_SECONDS,
    'a number of seconds',
  );
  // A configured key is checked with reference tokens too: a bad one never waits for a switch.
  if (jwtKey) checkChirpJwtOptions({ key: jwtKey, accessTokenTtl, leeway: jwtLeeway }, sessionTtl);
  // DEMO_PASSWORD is taken verbatim (spaces included) and never echoed in a message.
  const demoPasswordFromEnv = env.DEMO_PASSWORD !== undefined && env.DEMO_PASSWORD !== '';
  const demoPassword = demoPasswordFromEnv ? env.DEMO_PASSWORD! : CHIRP_DEFAULTS.demoPassword;
  if (demoPassword.length < 8 || demoPassword.length > 128) {
    throw new ChirpConfigError(
      'DEMO_PASSWORD',
      `must be 8 to 128 characters, like any password (got ${demoPassword.length})`,
    );
  }
  return {
    port,
    tokenStrategy,
    sessionStore,
    databaseUrl,
    database,
    redisUrl: redisUrl(env),
    redisPrefix: redisPrefix(env),
    accessTokenTtl,
    sessionTtl,
    jwtKey,
    jwtLeeway,
    demoPassword,
    demoPasswordFromEnv,
    demoUsers: flag(env, 'DEMO_USERS', true, 'true', 'false'),
    rateLimit: flag(env, 'RATE_LIMIT', true, 'on', 'off'),
    trustProxy: trustProxy(env),
    httpAdapter: choice(env, 'HTTP_ADAPTER', 'express', ['express', 'fastify'], []),
    authTransport: choice(env, 'AUTH_TRANSPORT', 'header', ['header', 'cookie'], []),
  };
}
