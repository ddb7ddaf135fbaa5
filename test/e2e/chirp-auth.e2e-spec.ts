import { SessionStore } from 'nest-sessions';
import {
  ACCESS_TOKEN_TTL,
  bearer,
  CHIRP_TEST_CONFIGS,
  describeOnConfig,
  FASTIFY_TEST_CONFIGS,
  ChirpHarness,
  DEMO_PASSWORD,
  expectError,
  uniqueUsername,
  type TokenPair,
} from './chirp-harness.js';

/** A compact JWS: three base64url segments. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Every Express configuration, and two on Fastify. */
const WITH_FASTIFY = [...CHIRP_TEST_CONFIGS, ...FASTIFY_TEST_CONFIGS];

// Registration, login, refresh, logout, sessions and password change, in every configuration.
// Token flows run with both strategies: logout, revocations, password change and refresh
// reuse must end tokens at once with value tokens too. Input validation runs once per store.
describe.each(WITH_FASTIFY)('Chirp auth ($name)', (testConfig) => {
  const { storeWide } = testConfig;

  describeOnConfig(testConfig)(`on ${testConfig.dialect}`, () => {
    let chirp: ChirpHarness;
    let bob: TokenPair;

    beforeAll(async () => {
      chirp = await ChirpHarness.start(testConfig);
      bob = await chirp.login('bob');
    });

    afterAll(async () => {
      await chirp?.stop();
    });

    const me = (token: string) => chirp.http.get('/me').set(bearer(token));
    const refresh = (refreshToken: string) =>
      chirp.http.post('/auth/refresh').send({ refreshToken });

    if (storeWide) {
      describe('POST /auth/register', () => {
        it('creates a user with a member’s permissions (201 {id, username})', async () => {
          const username = uniqueUsername('reg');
          const response = await chirp.http
            .post('/auth/register')
            .send({ username, password: 'long-enough' });
          expect(response.status).toBe(201);
          expect(response.body).toEqual({ id: expect.any(String), username });

          const tokens = await chirp.login(username, 'long-enough');
          const profile = await me(tokens.accessToken);
          expect(profile.body).toEqual({
            id: response.body.id,
            username,
            displayName: null,
            permissions: ['posts:create', 'posts:delete:own', 'posts:like', 'profile:edit'],
          });
        });

        it('answers 409 for a taken username', async () => {
          const response = await chirp.http
            .post('/auth/register')
            .send({ username: 'alice', password: 'long-enough' });
          expectError(response, 409);
        });

        it.each([
          [
            'a username under 3 characters',
            { username: 'ab', password: 'long-enough' },
            'username',
          ],
          [
            'a username over 32 characters',
            { username: 'a'.repeat(33), password: 'long-enough' },
            'username',
          ],
          ['capitals in the username', { username: 'Alice2', password: 'long-enough' }, 'username'],
          ['a dash in the username', { username: 'al-ice', password: 'long-enough' }, 'username'],
          ['a number as username', { username: 12345, password: 'long-enough' }, 'username'],
          [
            'a password under 8 characters',
            { username: 'valid_name', password: 'short12' },
            'password',
          ],
          [
            'a password over 128 characters',
            { username: 'valid_name', password: 'p'.repeat(129) },
            'password',
          ],
          ['a missing password', { username: 'valid_name' }, 'password'],
          [
            'an unknown field',
            { username: 'valid_name', password: 'long-enough', admin: true },
            'admin',
          ],
        ])('answers 400 naming the field for %s', async (_case, body, field) => {
          const response = await chirp.http.post('/auth/register').send(body);
          expectError(response, 400);
          expect(response.body.message).toContain(field);
        });

        it('accepts the limits: 3 and 32 characters, passwords of 8 and 128', async () => {
          // Each configuration has a database of its own, so fixed names are free.
          const short = 'abc';
          const long = 'z'.repeat(32);
          const first = await chirp.http
            .post('/auth/register')
            .send({ username: short, password: '12345678' });
          const second = await chirp.http
            .post('/auth/register')
            .send({ username: long, password: 'p'.repeat(128) });
          expect([first.status, second.status]).toEqual([201, 201]);
        });
      });
    }

    describe('POST /auth/login', () => {
      it('answers 200 with a Bearer token pair, not cacheable', async () => {
        const response = await chirp.http
          .post('/auth/login')
          .send({ username: 'alice', password: DEMO_PASSWORD });
        expect(response.status).toBe(200);
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.body).toEqual({
          accessToken: expect.any(String),
          refreshToken: expect.any(String),
          tokenType: 'Bearer',
          expiresIn: ACCESS_TOKEN_TTL,
        });
        const { accessToken, refreshToken } = response.body as TokenPair;
        expect(accessToken).not.toBe(refreshToken);
        // The strategy in use: a signed JWT (value) or an opaque string (reference).
        if (testConfig.strategy === 'value') {
          expect(accessToken).toMatch(JWT_SHAPE);
          const claims = JSON.parse(
            Buffer.from(accessToken.split('.')[1], 'base64url').toString(),
          ) as { iss: string; aud: string; iat: number; exp: number };
          expect(claims).toMatchObject({ iss: 'chirp', aud: 'chirp' });
          expect(claims.exp - claims.iat).toBe(ACCESS_TOKEN_TTL);
        } else {
          expect(accessToken).not.toMatch(JWT_SHAPE);
        }
        expect((await me(response.body.accessToken)).status).toBe(200);
      });

      if (storeWide) {
        it('answers the same 401 for an unknown user and a wrong password', async () => {
          const unknown = await chirp.http
            .post('/auth/login')
            .send({ username: 'nobody_here', password: DEMO_PASSWORD });
          const wrong = await chirp.http
            .post('/auth/login')
            .send({ username: 'alice', password: 'not-the-password' });
          const impossible = await chirp.http
            .post('/auth/login')
            .send({ username: 'No Such User!', password: 'not-the-password' });
          expectError(unknown, 401);
          expect(wrong.body).toEqual(unknown.body);
          expect(impossible.body).toEqual(unknown.body);
          expect([wrong.status, impossible.status]).toEqual([401, 401]);
        });

        it('answers 400 naming the field for a missing password', async () => {
          const response = await chirp.http.post('/auth/login').send({ username: 'alice' });
          expectError(response, 400);
          expect(response.body.message).toContain('password');
        });
      }
    });

    describe('POST /auth/refresh', () => {
      it('rotates: a new pair, not cacheable, and the next refresh uses the new token', async () => {
        const user = await chirp.newUser('rot');
        const first = await refresh(user.tokens.refreshToken);
        expect(first.status).toBe(200);
        expect(first.headers['cache-control']).toBe('no-store');
        expect(first.body).toEqual({
          accessToken: expect.any(String),
          refreshToken: expect.any(String),
          tokenType: 'Bearer',
          expiresIn: ACCESS_TOKEN_TTL,
        });
        expect(first.body.accessToken).not.toBe(user.tokens.accessToken);
        expect(first.body.refreshToken).not.toBe(user.tokens.refreshToken);
        expect((await me(first.body.accessToken)).status).toBe(200);

        const second = await refresh(first.body.refreshToken);
        expect(second.status).toBe(200);
        expect((await me(second.body.accessToken)).status).toBe(200);
      });

      it('answers 401 for an unknown or malformed refresh token, 400 without one', async () => {
        expectError(await refresh('A'.repeat(43)), 401);
        expectError(await refresh('not a token'), 401);
        expectError(await refresh(bob.accessToken), 401); // an access token is no refresh token
        const missing = await chirp.http.post('/auth/refresh').send({});
        expectError(missing, 400);
        expect(missing.body.message).toContain('refreshToken');
      });

      it('on reuse of a spent token: 401, and that session dies while the user’s other one lives', async () => {
        const user = await chirp.newUser('reuse');
        const other = await chirp.login(user.username, user.password);
        const r2 = (await refresh(user.tokens.refreshToken)).body as TokenPair;
        const r3 = (await refresh(r2.refreshToken)).body as TokenPair;
        expect((await me(r3.accessToken)).status).toBe(200);

        // The original token is two rotations old: beyond any grace, it is proof of theft.
        expectError(await refresh(user.tokens.refreshToken), 401);
        expectError(await me(r3.accessToken), 401);
        expectError(await refresh(r3.refreshToken), 401);

        expect((await me(other.accessToken)).status).toBe(200);
        expect((await refresh(other.refreshToken)).status).toBe(200);
      });

      it('gives two near-simultaneous refreshes with one token the same pair, one live family', async () => {
        const user = await chirp.newUser('race');
        const [a, b] = await Promise.all([
          refresh(user.tokens.refreshToken),
          refresh(user.tokens.refreshToken),
        ]);
        expect([a.status, b.status]).toEqual([200, 200]);
        expect(b.body).toEqual(a.body);

        const sessions = await chirp.http.get('/auth/sessions').set(bearer(a.body.accessToken));
        expect(sessions.body).toHaveLength(1);
        const next = await refresh(a.body.refreshToken);
        expect(next.status).toBe(200);
        expect((await me(next.body.accessToken)).status).toBe(200);
      });
    });

    describe('POST /auth/logout', () => {
      it('answers 204; the session’s access and refresh tokens stop working at once', async () => {
        const user = await chirp.newUser('out');
        const response = await chirp.http.post('/auth/logout').set(bearer(user.tokens.accessToken));
        expect(response.status).toBe(204);
        expect(response.text).toBe('');
        expectError(await me(user.tokens.accessToken), 401);
        expectError(await refresh(user.tokens.refreshToken), 401);
      });

      if (storeWide) {
        it('answers 401 with WWW-Authenticate without a token', async () => {
          const response = await chirp.http.post('/auth/logout');
          expectError(response, 401);
          expect(response.headers['www-authenticate']).toBe('Bearer');
        });
      }
    });

    describe('/auth/sessions', () => {
      it('lists only the caller’s live sessions, marking the current one', async () => {
        const user = await chirp.newUser('list');
        const laptop = await chirp.login(user.username, user.password, 'laptop-browser');
        const response = await chirp.http.get('/auth/sessions').set(bearer(laptop.accessToken));
        expect(response.status).toBe(200);
        const sessions = response.body as Array<Record<string, unknown>>;
        expect(sessions).toHaveLength(2);
        for (const session of sessions) {
          expect(session).toEqual({
            id: expect.any(String),
            createdAt: expect.any(String),
            lastActiveAt: expect.any(String),
            expiresAt: expect.any(String),
            userAgent: expect.any(String),
            ip: expect.stringContaining('127.0.0.1'),
            current: expect.any(Boolean),
          });
          for (const key of ['createdAt', 'lastActiveAt', 'expiresAt'] as const) {
            expect(new Date(session[key] as string).toISOString()).toBe(session[key]);
          }
        }
        const current = sessions.filter((s) => s.current);
        expect(current).toHaveLength(1);
        expect(current[0].userAgent).toBe('laptop-browser');

        const bobs = await chirp.http.get('/auth/sessions').set(bearer(bob.accessToken));
        const bobIds = (bobs.body as Array<{ id: string }>).map((s) => s.id);
        expect(bobIds).not.toContain(sessions[0].id);
        expect(bobIds).not.toContain(sessions[1].id);
      });

      it('DELETE /auth/sessions/:id ends the caller’s own session; 404 for others’ or unknown', async () => {
        const user = await chirp.newUser('del');
        const phone = await chirp.login(user.username, user.password, 'phone');
        const listed = await chirp.http.get('/auth/sessions').set(bearer(user.tokens.accessToken));
        const phoneId = (listed.body as Array<{ id: string; userAgent: string }>).find(
          (s) => s.userAgent === 'phone',
        )!.id;

        const byBob = await chirp.http
          .delete(`/auth/sessions/${phoneId}`)
          .set(bearer(bob.accessToken));
        expectError(byBob, 404);
        expect((await me(phone.accessToken)).status).toBe(200);
        expectError(
          await chirp.http
            .delete('/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA')
            .set(bearer(user.tokens.accessToken)),
          404,
        );
        expectError(
          await chirp.http.delete('/auth/sessions/nonsense').set(bearer(user.tokens.accessToken)),
          404,
        );

        const own = await chirp.http
          .delete(`/auth/sessions/${phoneId}`)
          .set(bearer(user.tokens.accessToken));
        expect(own.status).toBe(204);
        expectError(await me(phone.accessToken), 401);
        expectError(await refresh(phone.refreshToken), 401);
        expect((await me(user.tokens.accessToken)).status).toBe(200);
      });

      it('DELETE /auth/sessions?keep=current ends every other session of the caller', async () => {
        const user = await chirp.newUser('keep');
        const other = await chirp.login(user.username, user.password);
        const response = await chirp.http
          .delete('/auth/sessions?keep=current')
          .set(bearer(user.tokens.accessToken));
        expect(response.status).toBe(204);
        expectError(await me(other.accessToken), 401);
        expectError(await refresh(other.refreshToken), 401);
        expect((await me(user.tokens.accessToken)).status).toBe(200);
        expect((await me(bob.accessToken)).status).toBe(200);
      });

      it('DELETE /auth/sessions ends all the caller’s sessions, the current one too', async () => {
        const user = await chirp.newUser('all');
        const other = await chirp.login(user.username, user.password);
        const response = await chirp.http
          .delete('/auth/sessions')
          .set(bearer(user.tokens.accessToken));
        expect(response.status).toBe(204);
        expectError(await me(user.tokens.accessToken), 401);
        expectError(await me(other.accessToken), 401);
        expectError(await refresh(user.tokens.refreshToken), 401);
        expect((await me(bob.accessToken)).status).toBe(200);
        // Logging in again still works.
        expect((await chirp.login(user.username, user.password)).accessToken).toEqual(
          expect.any(String),
        );
      });

      if (storeWide) {
        it('answers 400 naming keep for any other keep value, and revokes nothing', async () => {
          const response = await chirp.http
            .delete('/auth/sessions?keep=all')
            .set(bearer(bob.accessToken));
          expectError(response, 400);
          expect(response.body.message).toContain('keep');
          expect((await me(bob.accessToken)).status).toBe(200);
        });
      }
    });

    describe('fresh-session routes (password change, log out everywhere)', () => {
      it('confirm the session in the store: one ended behind the token’s back is refused there', async () => {
        const user = await chirp.newUser('fresh');
        const listed = await chirp.http.get('/auth/sessions').set(bearer(user.tokens.accessToken));
        const sessionId = (listed.body as Array<{ id: string; current: boolean }>).find(
          (s) => s.current,
        )!.id;
        // Ended in the store directly: as seen by an instance that has not yet heard of a
        // revocation made by another one (value tokens learn of those by polling).
        expect(await chirp.app.get(SessionStore).delete(sessionId)).toBe(true);

        const profile = await me(user.tokens.accessToken);
        if (testConfig.strategy === 'reference') expectError(profile, 401);
        else expect(profile.status).toBe(200); // signature and revocation list only: documented
        const password = await chirp.http
          .post('/auth/password')
          .set(bearer(user.tokens.accessToken))
          .send({ currentPassword: user.password, newPassword: 'hijacked-password' });
        expectError(password, 401);
        const everywhere = await chirp.http
          .delete('/auth/sessions')
          .set(bearer(user.tokens.accessToken));
        expectError(everywhere, 401);
        await chirp.login(user.username, user.password); // the password did not change
      });
    });

    describe('POST /auth/password', () => {
      it('changes the password and revokes every other session, keeping the current one', async () => {
        const user = await chirp.newUser('pw', 'old-password-1');
        const other = await chirp.login(user.username, 'old-password-1');

        const wrong = await chirp.http
          .post('/auth/password')
          .set(bearer(user.tokens.accessToken))
          .send({ currentPassword: 'not-my-password', newPassword: 'new-password-1' });
        expectError(wrong, 401);
        expect((await me(other.accessToken)).status).toBe(200);

        const tooShort = await chirp.http
          .post('/auth/password')
          .set(bearer(user.tokens.accessToken))
          .send({ currentPassword: 'old-password-1', newPassword: 'short' });
        expectError(tooShort, 400);
        expect(tooShort.body.message).toContain('newPassword');

        const changed = await chirp.http
          .post('/auth/password')
          .set(bearer(user.tokens.accessToken))
          .send({ currentPassword: 'old-password-1', newPassword: 'new-password-1' });
        expect(changed.status).toBe(204);

        expectError(await me(other.accessToken), 401);
        expectError(await refresh(other.refreshToken), 401);
        expect((await me(user.tokens.accessToken)).status).toBe(200);
        expect((await refresh(user.tokens.refreshToken)).status).toBe(200);

        expectError(
          await chirp.http
            .post('/auth/login')
            .send({ username: user.username, password: 'old-password-1' }),
          401,
        );
        await chirp.login(user.username, 'new-password-1');
      });

      if (storeWide) {
        it('needs a session', async () => {
          const response = await chirp.http
            .post('/auth/password')
            .send({ currentPassword: 'x', newPassword: 'new-password-1' });
          expectError(response, 401);
        });
      }
    });
  });
});
