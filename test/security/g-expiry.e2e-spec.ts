import { beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJws } from '../support/jwt/forge.js';
import { expectGeneric401, expectGenericError } from './support/expectations.js';
import {
  bearer,
  CORE_TARGETS,
  itKeepsSecretsOutOfTheLog,
  securityConfigs,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist G (S44–S46), the lifetime part of S51 and the expired case of S54, without
// sleeping: Chirp runs on the library's ManualClock (the harness lays it over Chirp's
// session options). ACCESS_TOKEN_TTL = 600 s (reference idle timeout, value token
// lifetime), SESSION_TTL = 1,800 s (absolute). Expiry is judged by the token services on
// every store; the stores only record activity, so the core stores suffice.

const IDLE = 600_000;
const ABSOLUTE = 1_800_000;

describe.each(securityConfigs(CORE_TARGETS))('Security G: expiry ($name)', (config) => {
  const chirp = useSecurityChirp(config, { env: { SESSION_TTL: String(ABSOLUTE / 1000) } });
  let start: number;

  beforeAll(() => {
    start = chirp.clock.now();
  });

  /** Runs `body` from a fresh session at the current time, then puts the clock back. */
  async function fromNow(body: () => Promise<void>): Promise<void> {
    const t0 = chirp.clock.now();
    try {
      await body();
    } finally {
      chirp.clock.set(t0);
      await chirp.resetControl();
    }
  }

  it('S44: an access token unused for the idle timeout (ACCESS_TOKEN_TTL) → 401', async () => {
    await fromNow(async () => {
      const pair = await chirp.session('alice');
      chirp.clock.advance(IDLE + 1_000);
      await chirp.resetControl();
      await chirp.probe(
        () => chirp.me(pair.accessToken),
        (res) => expectGeneric401(res, true, [pair.accessToken]),
      );
      await chirp.probe(
        () => chirp.http.post('/posts').set(bearer(pair.accessToken)).send({ text: 'late' }),
        (res) => expectGeneric401(res, true),
      );
    });
  });

  it('S44: positive control: use inside the window keeps a reference token alive (value tokens do not slide)', async () => {
    await fromNow(async () => {
      const pair = await chirp.session('alice');
      chirp.clock.advance(IDLE * 0.8);
      expect((await chirp.me(pair.accessToken)).status).toBe(200);
      chirp.clock.advance(IDLE * 0.8);
      const res = await chirp.me(pair.accessToken);
      expect(res.status).toBe(config.strategy === 'reference' ? 200 : 401);
    });
  });

  it('S44/S51: after the idle timeout the session stays refreshable until its absolute end (documented policy)', async () => {
    await fromNow(async () => {
      const pair = await chirp.session('alice');
      chirp.clock.advance(IDLE + 1_000);
      const refreshed = await chirp.refresh(pair.refreshToken);
      expect(refreshed.status).toBe(200);
      expect((await chirp.me((refreshed.body as TokenPair).accessToken)).status).toBe(200);
    });
  });

  it('S45/S51: the absolute lifetime ends the session despite activity and rotation every 500 s', async () => {
    await fromNow(async () => {
      let pair = await chirp.session('bob');
      const loginAt = chirp.clock.now();
      while (chirp.clock.now() + 500_000 < loginAt + ABSOLUTE) {
        chirp.clock.advance(500_000);
        expect((await chirp.me(pair.accessToken)).status).toBe(200);
        const next = await chirp.refresh(pair.refreshToken);
        expect(next.status).toBe(200);
        pair = next.body as TokenPair;
        if (config.strategy === 'value') {
          // A token minted near the end never outlives the session.
          const exp = decodeJws(pair.accessToken).payload.exp as number;
          expect(exp * 1000).toBeLessThanOrEqual(loginAt + ABSOLUTE);
        }
      }
      chirp.clock.set(loginAt + ABSOLUTE);
      await chirp.resetControl();
      await chirp.probe(
        () => chirp.me(pair.accessToken),
        (res) => expectGeneric401(res, true, [pair.accessToken]),
      );
      await chirp.probe(
        () => chirp.refresh(pair.refreshToken),
        (res) => expectGenericError(res, 401, [pair.refreshToken]),
      );
    });
  });

  it('S46: a client cannot extend an expired session (forged cookie attributes, headers, body flags)', async () => {
    await fromNow(async () => {
      const pair = await chirp.session('alice');
      chirp.clock.advance(ABSOLUTE + 1_000);
      await chirp.resetControl();
      const future = new Date(chirp.clock.now() + 86_400_000).toUTCString();
      await chirp.probe(
        () =>
          chirp.http
            .patch('/me')
            .set(bearer(pair.accessToken))
            .set(
              'Cookie',
              `__Host-session=${pair.accessToken}; Max-Age=31536000; Expires=${future}`,
            )
            .set('X-Session-Expires', future)
            .set('X-Remember-Me', 'true')
            .send({ displayName: 'extended', remember: true }),
        (res) => expectGeneric401(res, true, [pair.accessToken]),
      );
      await chirp.probe(
        () =>
          chirp.http
            .post('/auth/refresh')
            .send({ refreshToken: pair.refreshToken, remember: true }),
        (res) => expectGenericError(res, [400, 401]),
      );
      // Nor can a login ask for a longer session.
      await chirp.probe(
        () =>
          chirp.http
            .post('/auth/login')
            .send({ username: 'alice', password: 'e2e-demo-password', remember: true, ttl: 1e9 }),
        (res) => expectGenericError(res, 400),
      );
    });
  });

  it('S54: an expired token on DELETE /posts/P_A → 401 (not 403), and the post stays', async () => {
    await fromNow(async () => {
      const alice = await chirp.session('alice');
      const bob = await chirp.session('bob');
      const id = await chirp.createPost(alice.accessToken, 'P_A');
      chirp.clock.advance(ABSOLUTE + 1_000);
      await chirp.resetControl();
      for (const pair of [alice, bob]) {
        await chirp.probe(
          () => chirp.http.delete(`/posts/${id}`).set(bearer(pair.accessToken)),
          (res) => expectGeneric401(res, true),
        );
      }
    });
  });

  it('the clock is back where it started (no test leaks time into the next)', () => {
    expect(chirp.clock.now()).toBe(start);
  });

  itKeepsSecretsOutOfTheLog(chirp);
});
