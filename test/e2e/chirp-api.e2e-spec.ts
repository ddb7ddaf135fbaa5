import {
  bearer,
  CHIRP_TEST_CONFIGS,
  describeOnConfig,
  FASTIFY_TEST_CONFIGS,
  ChirpHarness,
  expectError,
  type TokenPair,
} from './chirp-harness.js';

interface PostView {
  id: number;
  authorId: string;
  text: string;
  likes: number;
}

const MEMBER = ['posts:create', 'posts:delete:own', 'posts:like', 'profile:edit'];

/** Every Express configuration, and two on Fastify. */
const WITH_FASTIFY = [...CHIRP_TEST_CONFIGS, ...FASTIFY_TEST_CONFIGS];

// Profile, posts, likes, ownership, administration and error handling, in every configuration.
// Whatever reads the principal (authorship, ownership, permissions) runs with both
// strategies; input validation, routing and error bodies run once per store.
describe.each(WITH_FASTIFY)('Chirp API ($name)', (testConfig) => {
  const { storeWide } = testConfig;

  describeOnConfig(testConfig)(`on ${testConfig.dialect}`, () => {
    let chirp: ChirpHarness;
    let alice: TokenPair;
    let bob: TokenPair;
    let mod: TokenPair;
    let admin: TokenPair;
    let aliceId: string;
    let bobId: string;

    beforeAll(async () => {
      chirp = await ChirpHarness.start(testConfig);
      [alice, bob, mod, admin] = await Promise.all(
        ['alice', 'bob', 'mod', 'admin'].map((name) => chirp.login(name)),
      );
      [aliceId, bobId] = await Promise.all([chirp.idOf(alice), chirp.idOf(bob)]);
    });

    afterAll(async () => {
      await chirp?.stop();
    });

    const post = (token: string, text: string) =>
      chirp.http.post('/posts').set(bearer(token)).send({ text });
    const listPosts = async (): Promise<PostView[]> =>
      (await chirp.http.get('/posts')).body as PostView[];
    const setPermissions = (userId: string, permissions: unknown) =>
      chirp.http
        .put(`/admin/users/${userId}/permissions`)
        .set(bearer(admin.accessToken))
        .send({ permissions });
    const grantedTo = async (userId: string): Promise<string[] | undefined> => {
      const users = (await chirp.http.get('/admin/users').set(bearer(admin.accessToken)))
        .body as Array<{ id: string; permissions: string[] }>;
      return users.find((u) => u.id === userId)?.permissions;
    };

    describe('GET /health', () => {
      it('answers 200 with the strategy and store in use', async () => {
        const response = await chirp.http.get('/health');
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          status: 'ok',
          strategy: testConfig.strategy,
          store: testConfig.store,
        });
      });
    });

    if (storeWide) {
      describe('schema', () => {
        it('is exactly what Chirp’s entities describe after the migrations (no drift)', async () => {
          const log = await chirp.dataSource.driver.createSchemaBuilder().log();
          const chirpChanges = log.upQueries.map((q) => q.query).filter((q) => /chirp_/.test(q));
          expect(chirpChanges).toEqual([]);
        });
      });
    }

    describe('/me', () => {
      it('GET answers the caller’s profile and the permissions in effect, sorted', async () => {
        const response = await chirp.http.get('/me').set(bearer(mod.accessToken));
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          id: expect.any(String),
          username: 'mod',
          displayName: null,
          permissions: [...MEMBER, 'posts:delete:any'].sort(),
        });
      });

      it('answers 401 with WWW-Authenticate: without a token, and for a bad one', async () => {
        const none = await chirp.http.get('/me');
        expectError(none, 401);
        expect(none.headers['www-authenticate']).toBe('Bearer');
        const bad = await chirp.http.get('/me').set(bearer('x'.repeat(43)));
        expectError(bad, 401);
        expect(bad.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expect(bad.body).toEqual(none.body); // the body does not say which check failed
      });

      if (storeWide) {
        it('PATCH edits only the caller’s own profile', async () => {
          const user = await chirp.newUser('prof');
          const response = await chirp.http
            .patch('/me')
            .set(bearer(user.tokens.accessToken))
            .send({ displayName: 'Profile Person' });
          expect(response.status).toBe(200);
          expect(response.body).toEqual({
            id: user.id,
            username: user.username,
            displayName: 'Profile Person',
            permissions: MEMBER,
          });
          const again = await chirp.http.get('/me').set(bearer(user.tokens.accessToken));
          expect(again.body.displayName).toBe('Profile Person');
          const bobsProfile = await chirp.http.get('/me').set(bearer(bob.accessToken));
          expect(bobsProfile.body.displayName).toBeNull();
        });

        it('PATCH refuses fields other than displayName (400) and changes nothing', async () => {
          const response = await chirp.http
            .patch('/me')
            .set(bearer(bob.accessToken))
            .send({ displayName: 'Bob', id: aliceId, permissions: ['users:manage'] });
          expectError(response, 400);
          expect(response.body.message).toContain('permissions');
          const profile = await chirp.http.get('/me').set(bearer(bob.accessToken));
          expect(profile.body).toEqual({
            id: bobId,
            username: 'bob',
            displayName: null,
            permissions: MEMBER,
          });
        });

        it.each([
          ['an empty name', ''],
          ['whitespace only', '   '],
          ['over 100 characters', 'n'.repeat(101)],
          ['a control character', 'bad\u0000name'],
          ['a number', 42],
        ])('PATCH answers 400 naming displayName for %s', async (_case, displayName) => {
          const response = await chirp.http
            .patch('/me')
            .set(bearer(bob.accessToken))
            .send({ displayName });
          expectError(response, 400);
          expect(response.body.message).toContain('displayName');
        });
      }

      it('PATCH needs profile:edit (403 without it)', async () => {
        const user = await chirp.newUser('noedit');
        await setPermissions(user.id, ['posts:like']).expect(200);
        // A token minted after the change, whatever the strategy (see /admin/users for staleness).
        const tokens = await chirp.login(user.username, user.password);
        const response = await chirp.http
          .patch('/me')
          .set(bearer(tokens.accessToken))
          .send({ displayName: 'Nope' });
        expectError(response, 403);
      });
    });

    describe('/posts', () => {
      it('GET is public and POST publishes as the caller (201)', async () => {
        const created = await post(alice.accessToken, 'Hello from alice');
        expect(created.status).toBe(201);
        expect(created.body).toEqual({
          id: expect.any(Number),
          authorId: aliceId,
          text: 'Hello from alice',
          likes: 0,
        });
        const list = await chirp.http.get('/posts');
        expect(list.status).toBe(200);
        expect(list.body).toContainEqual(created.body);
        for (const item of list.body as PostView[]) {
          expect(Object.keys(item).sort()).toEqual(['authorId', 'id', 'likes', 'text']);
        }
      });

      if (storeWide) {
        it('accepts exactly 280 characters, emoji counted as one', async () => {
          const text = '🐦'.repeat(280);
          const created = await post(bob.accessToken, text);
          expect(created.status).toBe(201);
          expect((await listPosts()).find((p) => p.id === created.body.id)?.text).toBe(text);
        });

        it.each([
          ['empty text', ''],
          ['whitespace-only text', ' \n\t '],
          ['281 characters', 'x'.repeat(281)],
          ['a NUL character', 'nul\u0000byte'],
          ['a non-string', 123],
        ])('POST answers 400 naming text for %s', async (_case, text) => {
          const response = await chirp.http
            .post('/posts')
            .set(bearer(alice.accessToken))
            .send({ text });
          expectError(response, 400);
          expect(response.body.message).toContain('text');
        });
      }

      it('POST needs a session (401) and posts:create (403)', async () => {
        expectError(await chirp.http.post('/posts').send({ text: 'anonymous' }), 401);
        const user = await chirp.newUser('nocreate');
        await setPermissions(user.id, ['posts:like']).expect(200);
        const tokens = await chirp.login(user.username, user.password);
        expectError(await post(tokens.accessToken, 'not allowed'), 403);
      });
    });

    if (storeWide) {
      describe('POST /posts/:id/like', () => {
        it('counts one like per user, however often they like', async () => {
          const { id } = (await post(alice.accessToken, 'Like me')).body as PostView;
          const first = await chirp.http.post(`/posts/${id}/like`).set(bearer(bob.accessToken));
          expect(first.status).toBe(200);
          expect(first.body).toEqual({ id, likes: 1 });
          const again = await chirp.http.post(`/posts/${id}/like`).set(bearer(bob.accessToken));
          expect(again.body).toEqual({ id, likes: 1 });
          const byAuthor = await chirp.http
            .post(`/posts/${id}/like`)
            .set(bearer(alice.accessToken));
          expect(byAuthor.body).toEqual({ id, likes: 2 });
          expect((await listPosts()).find((p) => p.id === id)?.likes).toBe(2);
        });

        it('counts simultaneous likes by one user once', async () => {
          const { id } = (await post(alice.accessToken, 'Race to like')).body as PostView;
          const responses = await Promise.all(
            Array.from({ length: 5 }, () =>
              chirp.http.post(`/posts/${id}/like`).set(bearer(mod.accessToken)),
            ),
          );
          expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
          expect((await listPosts()).find((p) => p.id === id)?.likes).toBe(1);
        });

        it('answers 404 for an unknown or non-numeric post, 401 without a session', async () => {
          expectError(
            await chirp.http.post('/posts/999999/like').set(bearer(bob.accessToken)),
            404,
          );
          expectError(await chirp.http.post('/posts/abc/like').set(bearer(bob.accessToken)), 404);
          expectError(await chirp.http.post('/posts/1/like'), 401);
        });
      });
    }

    describe('DELETE /posts/:id', () => {
      it('lets the author delete their own post (204)', async () => {
        const { id } = (await post(bob.accessToken, 'Mine to delete')).body as PostView;
        const response = await chirp.http.delete(`/posts/${id}`).set(bearer(bob.accessToken));
        expect(response.status).toBe(204);
        expect((await listPosts()).map((p) => p.id)).not.toContain(id);
      });

      it('answers 403 to someone else without posts:delete:any, and the post stays', async () => {
        const { id } = (await post(alice.accessToken, 'Not yours')).body as PostView;
        await chirp.http.post(`/posts/${id}/like`).set(bearer(bob.accessToken)).expect(200);
        const response = await chirp.http.delete(`/posts/${id}`).set(bearer(bob.accessToken));
        expectError(response, 403);
        expect((await listPosts()).find((p) => p.id === id)).toEqual({
          id,
          authorId: aliceId,
          text: 'Not yours',
          likes: 1,
        });
      });

      it('lets a moderator delete anyone’s post (204), likes and all', async () => {
        const { id } = (await post(bob.accessToken, 'Moderate me')).body as PostView;
        await chirp.http.post(`/posts/${id}/like`).set(bearer(alice.accessToken)).expect(200);
        const response = await chirp.http.delete(`/posts/${id}`).set(bearer(mod.accessToken));
        expect(response.status).toBe(204);
        expect((await listPosts()).map((p) => p.id)).not.toContain(id);
        expectError(await chirp.http.post(`/posts/${id}/like`).set(bearer(alice.accessToken)), 404);
      });

      if (storeWide) {
        it.each([['999999'], ['abc'], ['1.5'], ['-1'], ['99999999999']])(
          'answers 404 for post %s, which does not exist',
          async (id) => {
            expectError(
              await chirp.http.delete(`/posts/${id}`).set(bearer(alice.accessToken)),
              404,
            );
          },
        );

        it('answers 401 without a session, the post staying', async () => {
          const { id } = (await post(alice.accessToken, 'Still here')).body as PostView;
          expectError(await chirp.http.delete(`/posts/${id}`), 401);
          expect((await listPosts()).map((p) => p.id)).toContain(id);
        });
      }
    });

    describe('/admin/users', () => {
      it('GET lists users with their permissions, for users:manage only', async () => {
        expectError(await chirp.http.get('/admin/users').set(bearer(bob.accessToken)), 403);
        expectError(await chirp.http.get('/admin/users').set(bearer(mod.accessToken)), 403);
        expectError(await chirp.http.get('/admin/users'), 401);
        const response = await chirp.http.get('/admin/users').set(bearer(admin.accessToken));
        expect(response.status).toBe(200);
        expect(response.body).toContainEqual({
          id: aliceId,
          username: 'alice',
          permissions: MEMBER,
        });
        for (const user of response.body as object[]) {
          expect(Object.keys(user).sort()).toEqual(['id', 'permissions', 'username']);
        }
      });

      it('PUT permissions: reference tokens follow at once, value tokens at refresh', async () => {
        const user = await chirp.newUser('perm');
        await setPermissions(user.id, [...MEMBER, 'users:manage']).expect(200);
        const tokens = await chirp.login(user.username, user.password);
        expect((await post(tokens.accessToken, 'before')).status).toBe(201);
        expect((await chirp.http.get('/admin/users').set(bearer(tokens.accessToken))).status).toBe(
          200,
        );

        const revoked = await setPermissions(user.id, ['posts:like', 'profile:edit', 'posts:like']);
        expect(revoked.status).toBe(200);
        expect(revoked.body).toEqual({
          id: user.id,
          username: user.username,
          permissions: ['posts:like', 'profile:edit'],
        });
        // Fresh-session routes (the admin API) read the current permissions: 403 at once.
        expectError(await chirp.http.get('/admin/users').set(bearer(tokens.accessToken)), 403);

        let current = tokens;
        if (testConfig.strategy === 'reference') {
          // From the very next request, same token.
          expectError(await post(tokens.accessToken, 'after'), 403);
        } else {
          // The token carries the permissions it was minted with until it is refreshed (or
          // expires, at the latest after ACCESS_TOKEN_TTL): documented, not a leak.
          expect((await post(tokens.accessToken, 'stale but valid')).status).toBe(201);
          const stale = await chirp.http.get('/me').set(bearer(tokens.accessToken));
          expect(stale.body.permissions).toEqual([...MEMBER, 'users:manage'].sort());
          current = await chirp.refresh(tokens);
          expectError(await post(current.accessToken, 'after refresh'), 403);
        }
        const profile = await chirp.http.get('/me').set(bearer(current.accessToken));
        expect(profile.body.permissions).toEqual(['posts:like', 'profile:edit']);

        await setPermissions(user.id, [...MEMBER, 'posts:delete:any']).expect(200);
        if (testConfig.strategy === 'value') current = await chirp.refresh(current);
        const { id } = (await post(alice.accessToken, 'to be moderated')).body as PostView;
        expect(
          (await chirp.http.delete(`/posts/${id}`).set(bearer(current.accessToken))).status,
        ).toBe(204);
      });

      if (storeWide) {
        it('PUT answers 404 for an unknown user', async () => {
          for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-user']) {
            const response = await chirp.http
              .put(`/admin/users/${id}/permissions`)
              .set(bearer(admin.accessToken))
              .send({ permissions: MEMBER });
            expectError(response, 404);
          }
        });

        it.each([
          ['an unknown permission', { permissions: ['posts:fly'] }],
          ['a malformed permission', { permissions: ['posts create'] }],
          ['a non-string permission', { permissions: [7] }],
          ['a non-array', { permissions: 'posts:create' }],
          ['a missing list', {}],
        ])(
          'PUT answers 400 naming permissions for %s, and changes nothing',
          async (_case, body) => {
            const response = await chirp.http
              .put(`/admin/users/${bobId}/permissions`)
              .set(bearer(admin.accessToken))
              .send(body);
            expectError(response, 400);
            expect(response.body.message).toContain('permissions');
            expect(await grantedTo(bobId)).toEqual(MEMBER);
          },
        );
      }

      it('PUT needs users:manage', async () => {
        const response = await chirp.http
          .put(`/admin/users/${bobId}/permissions`)
          .set(bearer(bob.accessToken))
          .send({ permissions: [...MEMBER, 'users:manage'] });
        expectError(response, 403);
      });
    });

    describe('GET /.well-known/jwks.json', () => {
      it('is public and lists no key: reference tokens and HMAC secrets have none to publish', async () => {
        const response = await chirp.http.get('/.well-known/jwks.json');
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.body).toEqual({ keys: [] });
      });
    });

    if (storeWide) {
      describe('errors', () => {
        it('answers unknown routes with a JSON 404', async () => {
          expectError(await chirp.http.get('/nowhere'), 404);
          expectError(await chirp.http.put('/posts').set(bearer(alice.accessToken)), 404);
        });

        it('answers malformed JSON with 400 and oversized bodies with 413, as JSON', async () => {
          const malformed = await chirp.http
            .post('/auth/login')
            .set('Content-Type', 'application/json')
            .send('{"username": "alice",');
          expectError(malformed, 400);
          const huge = await chirp.http
            .post('/auth/login')
            .send({ username: 'alice', password: 'p'.repeat(32 * 1024) });
          expectError(huge, 413);
        });

        it('answers deeply nested JSON with 400, not 500', async () => {
          const nested = '['.repeat(7000) + ']'.repeat(7000);
          const response = await chirp.http
            .post('/auth/login')
            .set('Content-Type', 'application/json')
            .send(`{"username":"alice","password":"x","x":${nested}}`);
          expectError(response, 400);
        });

        it('answers a body that is not an object with 400', async () => {
          const response = await chirp.http
            .post('/posts')
            .set(bearer(alice.accessToken))
            .set('Content-Type', 'application/json')
            .send('["text"]');
          expectError(response, 400);
        });

        it('rejects prototype-polluting keys (400) and stays unpolluted', async () => {
          const response = await chirp.http
            .patch('/me')
            .set(bearer(bob.accessToken))
            .set('Content-Type', 'application/json')
            .send(
              '{"displayName":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
            );
          expectError(response, 400);
          expect(response.body.message).toContain('__proto__');
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        });

        it('sends no X-Powered-By header', async () => {
          const response = await chirp.http.get('/health');
          expect(response.headers['x-powered-by']).toBeUndefined();
        });
      });
    }
  });
});
