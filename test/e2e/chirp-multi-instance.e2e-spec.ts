import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { bearer, ChirpHarness, describeOnConfig, type ChirpTestConfig } from './chirp-harness.js';

// Two Chirp instances sharing PostgreSQL and Redis: what the article's storage table calls
// scalability. A token from A works on B; a logout on B holds on A; a permission change on
// A holds on B.
const CONFIGS: ChirpTestConfig[] = [
  {
    name: 'Redis store',
    strategy: 'reference',
    store: 'redis',
    dialect: 'postgres',
    storeWide: false,
  },
  {
    name: 'tiered store',
    strategy: 'reference',
    store: 'tiered',
    dialect: 'postgres',
    storeWide: false,
  },
  {
    name: 'value tokens on the tiered store',
    strategy: 'value',
    store: 'tiered',
    dialect: 'postgres',
    storeWide: false,
  },
];

/** Asks until `probe` answers `status`, at most `attempts` times (no fixed sleeps). */
async function until(probe: () => Promise<number>, status: number, attempts = 300): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if ((await probe()) === status) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`still not ${status} after ${attempts} attempts`);
}

describe.each(CONFIGS)('two Chirp instances ($name)', (testConfig) => {
  // The Redis store reads Redis at every request: a change holds on the other instance at
  // once. The tiered store's in-process layer learns of it over pub/sub within milliseconds
  // (documented bound), and value tokens within jwt.revocationPollInterval.
  const synchronous = testConfig.strategy === 'reference' && testConfig.store === 'redis';

  describeOnConfig(testConfig)('sharing PostgreSQL and Redis', () => {
    let a: ChirpHarness;
    let b: ChirpHarness;

    beforeAll(async () => {
      const shared = {
        REDIS_PREFIX: `m${randomBytes(6).toString('hex')}`,
        // Value tokens: both instances must verify what either signs.
        JWT_SECRET: randomBytes(48).toString('base64'),
      };
      a = await ChirpHarness.start(testConfig, shared);
      b = await ChirpHarness.start(testConfig, { ...shared, DATABASE_URL: a.config.databaseUrl });
    });

    afterAll(async () => {
      await b?.stop();
      await a?.stop();
    });

    it('accepts on B a token issued by A, and refreshes it there', async () => {
      const tokens = await a.login('alice');
      await b.http.get('/me').set(bearer(tokens.accessToken)).expect(200);
      const refreshed = await b.http
        .post('/auth/refresh')
        .send({ refreshToken: tokens.refreshToken });
      expect(refreshed.status).toBe(200);
      await a.http.get('/me').set(bearer(refreshed.body.accessToken)).expect(200);
    });

    it('holds a logout made on B on A (reference: at once; value: within the poll interval)', async () => {
      const tokens = await a.login('bob');
      await a.http.get('/me').set(bearer(tokens.accessToken)).expect(200);
      await b.http.post('/auth/logout').set(bearer(tokens.accessToken)).expect(204);
      const onA = () =>
        a.http
          .get('/me')
          .set(bearer(tokens.accessToken))
          .then((r) => r.status);
      if (synchronous) {
        expect(await onA()).toBe(401);
      } else {
        // Value tokens: jwt.revocationPollInterval (1 s). Tiered store: A's in-process cache
        // hears of it over pub/sub within milliseconds. Polling (bounded) until A refuses it.
        await until(onA, 401);
      }
      const refresh = await a.http
        .post('/auth/refresh')
        .send({ refreshToken: tokens.refreshToken });
      expect(refresh.status).toBe(401);
    });

    it('holds a permission change made on A on B (reference: next request; value: next login or refresh)', async () => {
      const admin = await a.login('admin');
      const user = await a.newUser('multi');
      const onB = () =>
        b.http.post('/posts').set(bearer(user.tokens.accessToken)).send({ text: 'hello' });
      expect((await onB()).status).toBe(201);
      await a.http
        .put(`/admin/users/${user.id}/permissions`)
        .set(bearer(admin.accessToken))
        .send({ permissions: ['posts:like'] })
        .expect(200);
      // Value tokens carry their permissions until refreshed (documented); a fresh login on
      // A shows the change on B at once.
      const token =
        testConfig.strategy === 'reference'
          ? user.tokens.accessToken
          : (await a.login(user.username, user.password)).accessToken;
      const onB2 = () =>
        b.http
          .post('/posts')
          .set(bearer(token))
          .send({ text: 'again' })
          .then((r) => r.status);
      if (synchronous) expect(await onB2()).toBe(403);
      else await until(onB2, 403);
    });
  });
});
