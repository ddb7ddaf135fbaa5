import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateOpaqueToken } from 'nest-sessions';
import {
  bearer,
  CHIRP_TEST_CONFIGS,
  ChirpHarness,
  DEMO_PASSWORD,
  expectError,
  uniqueUsername,
} from './chirp-harness.js';

// RATE_LIMIT=on (the default outside these tests): failed logins per account and per client,
// and invalid tokens per client. Checklist S08, S35, S37.
const CONFIG = CHIRP_TEST_CONFIGS.find((c) => c.store === 'database' && c.dialect === 'sqlite')!;

describe('Chirp throttling (RATE_LIMIT=on)', () => {
  describe('without a trusted proxy', () => {
    let chirp: ChirpHarness;

    beforeAll(async () => {
      chirp = await ChirpHarness.start(CONFIG, { RATE_LIMIT: 'on' });
    });

    afterAll(async () => {
      await chirp?.stop();
    });

    const login = (username: string, password: string, forwardedFor?: string) => {
      const req = chirp.http.post('/auth/login');
      if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
      return req.send({ username, password });
    };

    async function newUser(): Promise<string> {
      const username = uniqueUsername('thr');
      await chirp.http
        .post('/auth/register')
        .send({ username, password: 'long-enough' })
        .expect(201);
      return username;
    }

    it('S37: blocks an account after 5 failures (429 + Retry-After), even for the right password', async () => {
      const victim = await newUser();
      const failures = [];
      // Rotating X-Forwarded-For must not help: no proxy is trusted, so it is ignored.
      for (let i = 0; i < 5; i++)
        failures.push(await login(victim, `wrong-${i}-pass`, `10.9.0.${i}`));
      for (const response of failures) expectError(response, 401);

      const sixth = await login(victim, 'wrong-again', '10.9.0.99');
      expectError(sixth, 429);
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);

      const right = await login(victim, 'long-enough');
      expectError(right, 429);
      expect(right.body).toEqual(sixth.body); // a lock does not reveal the right password
      expect(right.headers['retry-after']).toBeDefined();
    });

    it('S37: the lock is per account: other accounts still log in from the same client', async () => {
      const other = await newUser();
      expect((await login(other, 'long-enough')).status).toBe(200);
    });

    it('successful logins never count', async () => {
      const username = await newUser();
      for (let i = 0; i < 8; i++) expect((await login(username, 'long-enough')).status).toBe(200);
    });

    it('S35: unknown user and wrong password get identical answers', async () => {
      const known = await newUser();
      const wrong = await login(known, 'not-the-password');
      const unknown = await login(uniqueUsername('ghost'), 'not-the-password');
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(unknown.body).toEqual(wrong.body);
      for (const header of ['www-authenticate', 'cache-control', 'content-type', 'set-cookie']) {
        expect(unknown.headers[header]).toEqual(wrong.headers[header]);
      }
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=loopback)', () => {
    let chirp: ChirpHarness;

    beforeAll(async () => {
      chirp = await ChirpHarness.start(CONFIG, { RATE_LIMIT: 'on', TRUST_PROXY: 'loopback' });
    });

    afterAll(async () => {
      await chirp?.stop();
    });

    it('S08: a client guessing tokens is blocked at its 31st (429 + Retry-After); other clients are not', async () => {
      const alice = await chirp.login('alice');
      const attacker = '203.0.113.7';
      for (let i = 0; i < 30; i++) {
        const response = await chirp.http
          .get('/me')
          .set('X-Forwarded-For', attacker)
          .set(bearer(generateOpaqueToken()));
        expectError(response, 401);
      }
      const blocked = await chirp.http
        .get('/me')
        .set('X-Forwarded-For', attacker)
        .set(bearer(generateOpaqueToken()));
      expectError(blocked, 429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // The blocked client keeps reading public routes.
      await chirp.http.get('/posts').set('X-Forwarded-For', attacker).expect(200);

      // Another client, with a valid token, is not affected.
      const me = await chirp.http
        .get('/me')
        .set('X-Forwarded-For', '198.51.100.20')
        .set(bearer(alice.accessToken));
      expect(me.status).toBe(200);
    });

    it('S37: failures are counted per client across accounts (20), by the forwarded address', async () => {
      const client = '203.0.113.50';
      const spray = (i: number) =>
        chirp.http
          .post('/auth/login')
          .set('X-Forwarded-For', client)
          .send({ username: uniqueUsername(`spray${i}`), password: 'not-the-password' });
      for (let i = 0; i < 20; i++) expectError(await spray(i), 401);
      expectError(await spray(20), 429); // the failure past the limit is already refused
      const blocked = await chirp.http
        .post('/auth/login')
        .set('X-Forwarded-For', client)
        .send({ username: 'alice', password: DEMO_PASSWORD });
      expectError(blocked, 429);
      const elsewhere = await chirp.http
        .post('/auth/login')
        .set('X-Forwarded-For', '198.51.100.21')
        .send({ username: 'alice', password: DEMO_PASSWORD });
      expect(elsewhere.status).toBe(200);
    });
  });
});
