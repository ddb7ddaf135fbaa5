import { ChirpConfigError } from './chirp-config.error.js';
import { CHIRP_DEFAULTS, loadChirpConfig, type ChirpEnv } from './chirp-config.js';

function errorFor(env: ChirpEnv): ChirpConfigError {
  try {
    loadChirpConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ChirpConfigError);
    return error as ChirpConfigError;
  }
  throw new Error(`loadChirpConfig(${JSON.stringify(env)}) did not throw`);
}

/** A secret the library accepts: 48 random-looking characters. */
const SECRET = 'kP3v9Qm2Zr7Lx1Nw8Tb4Yc6Hd0Jf5Gs2Ua7Ve3Xi9Ok1Rl4';

describe('loadChirpConfig', () => {
  it('applies the contract’s defaults to an empty environment', () => {
    expect(loadChirpConfig({})).toEqual({
      port: 3000,
      tokenStrategy: 'reference',
      sessionStore: 'database',
      databaseUrl: 'sqlite:./data/chirp.sqlite',
      database: { kind: 'sqlite', file: './data/chirp.sqlite' },
      redisUrl: 'redis://127.0.0.1:6379',
      redisPrefix: 'chirp',
      accessTokenTtl: 900,
      sessionTtl: 1_209_600,
      jwtKey: null,
      jwtLeeway: 0,
      demoPassword: CHIRP_DEFAULTS.demoPassword,
      demoPasswordFromEnv: false,
      demoUsers: true,
      rateLimit: true,
      trustProxy: false,
      httpAdapter: 'express',
      authTransport: 'header',
    });
  });

  it('reads every supported value', () => {
    const config = loadChirpConfig({
      PORT: '8080',
      TOKEN_STRATEGY: 'reference',
      SESSION_STORE: 'memory',
      DATABASE_URL: 'postgres://chirp:s%40cret@db.example:6543/chirp',
      REDIS_URL: 'redis://cache:6380/2',
      ACCESS_TOKEN_TTL: '60',
      SESSION_TTL: '3600',
      JWT_SECRET: SECRET,
      JWT_LEEWAY: '5',
      DEMO_PASSWORD: 'another password',
      DEMO_USERS: 'false',
      RATE_LIMIT: 'off',
      HTTP_ADAPTER: 'express',
      AUTH_TRANSPORT: 'header',
    });
    expect(config).toMatchObject({
      port: 8080,
      sessionStore: 'memory',
      database: {
        kind: 'postgres',
        host: 'db.example',
        port: 6543,
        username: 'chirp',
        password: 's@cret',
        database: 'chirp',
      },
      redisUrl: 'redis://cache:6380/2',
      accessTokenTtl: 60,
      sessionTtl: 3600,
      jwtKey: { kind: 'secret', keyId: 'chirp-1', secret: SECRET, generated: false },
      jwtLeeway: 5,
      demoPassword: 'another password',
      demoPasswordFromEnv: true,
      demoUsers: false,
      rateLimit: false,
    });
  });

  it('reads the other HTTP adapter and transport, in any case', () => {
    expect(loadChirpConfig({ HTTP_ADAPTER: 'Fastify', AUTH_TRANSPORT: 'COOKIE' })).toMatchObject({
      httpAdapter: 'fastify',
      authTransport: 'cookie',
    });
  });

  it.each(['memory', 'database', 'redis', 'tiered'])('accepts SESSION_STORE=%s', (store) => {
    expect(loadChirpConfig({ SESSION_STORE: store }).sessionStore).toBe(store);
  });

  it('treats empty values as unset', () => {
    expect(loadChirpConfig({ PORT: '', SESSION_STORE: ' ' })).toMatchObject({
      port: 3000,
      sessionStore: 'database',
    });
  });

  it.each([
    ['REDIS_PREFIX', 'a{b}', /1 to 32 characters/],
    ['TOKEN_STRATEGY', 'magic', /unknown value "magic"/],
    ['SESSION_STORE', 'disk', /unknown value "disk"/],
    ['HTTP_ADAPTER', 'koa', /unknown value "koa" \(use express, fastify\)/],
    ['AUTH_TRANSPORT', 'query', /unknown value "query" \(use header, cookie\)/],
    ['PORT', 'http', /not a TCP port/],
    ['PORT', '70000', /not a TCP port/],
    ['PORT', '-1', /not a TCP port/],
    ['ACCESS_TOKEN_TTL', '0', /number of seconds/],
    ['ACCESS_TOKEN_TTL', '1.5', /number of seconds/],
    ['SESSION_TTL', '1e6', /number of seconds/],
    ['JWT_LEEWAY', '61', /number of seconds/],
    ['JWT_SECRET', 'short', /has almost no distinct bytes \(not random\); fix: generate/],
    ['JWT_SECRET', 'x'.repeat(32), /has almost no distinct bytes/],
    ['JWT_SECRET', 'Zr7-Lx1Nw8Tb4Yc6', /is 16 bytes, too short for HS256; fix: use at least 32/],
    ['DEMO_PASSWORD', 'short', /8 to 128/],
    ['DEMO_USERS', 'yes', /use true or false/],
    ['RATE_LIMIT', 'true', /use on or off/],
    ['REDIS_URL', 'http://cache:6379', /redis:\/\/host:port/],
    ['REDIS_URL', 'redis://cache:6379/x', /redis:\/\/host:port/],
    ['DATABASE_URL', 'oracle://db/x', /unsupported database/],
    ['DATABASE_URL', 'postgres://', /not a valid URL|no host/],
    ['DATABASE_URL', 'postgres://db.example', /name one database/],
    ['DATABASE_URL', 'mysql://db.example:99999/x', /not a valid URL/],
    ['DATABASE_URL', 'postgres://db.example/x?sslmode=require', /query strings/],
    ['DATABASE_URL', 'sqlite:', /no file/],
  ])('throws naming %s for %j', (variable, value, problem) => {
    const error = errorFor({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain('\n');
  });

  it('names SESSION_TTL when it is shorter than ACCESS_TOKEN_TTL', () => {
    const error = errorFor({ ACCESS_TOKEN_TTL: '600', SESSION_TTL: '300' });
    expect(error.variable).toBe('SESSION_TTL');
  });

  it('never echoes a password in a message', () => {
    const error = errorFor({ DATABASE_URL: 'postgres://u:hunter2@db.example' });
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('u:***@');
    expect(errorFor({ DEMO_PASSWORD: 'hunter2' }).message).not.toContain('hunter2');
    expect(errorFor({ JWT_SECRET: 'hunter2' }).message).not.toContain('hunter2');
  });
});
