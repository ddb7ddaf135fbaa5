import { MAX_COOKIE_LENGTH } from 'nest-sessions';
import { connect } from 'node:net';
import type { Response } from 'supertest';
import {
  ACCESS_TOKEN_TTL,
  bearer,
  ChirpHarness,
  DEMO_PASSWORD,
  expectError,
  uniqueUsername,
  type ChirpTestConfig,
} from './chirp-harness.js';

/** Cookie transport on both platforms, with both token kinds (SQLite or memory store). */
const COOKIE_CONFIGS: readonly ChirpTestConfig[] = (['express', 'fastify'] as const).flatMap(
  (adapter) => [
    {
      name: `reference tokens, database store on SQLite, ${adapter}`,
      strategy: 'reference' as const,
      store: 'database' as const,
      dialect: 'sqlite' as const,
      storeWide: adapter === 'express',
      adapter,
      transport: 'cookie' as const,
    },
    {
      name: `value tokens, memory store, ${adapter}`,
      strategy: 'value' as const,
      store: 'memory' as const,
      dialect: 'sqlite' as const,
      storeWide: false,
      adapter,
      transport: 'cookie' as const,
    },
  ],
);

const SESSION = '__Host-session';
const REFRESH = '__Secure-refresh';
const CSRF = '__Host-csrf';
const SESSION_TTL = 1_209_600; // Chirp's default SESSION_TTL
const EVIL = 'https://evil.example';

/** One `Set-Cookie` header, taken apart. */
interface SetCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names in lower case → value (`''` for flags). */
  readonly attributes: ReadonlyMap<string, string>;
}

function setCookies(response: Response): SetCookie[] {
  const raw = response.headers['set-cookie'] as unknown as string[] | undefined;
  return (raw ?? []).map((header) => {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    return {
      name: pair.slice(0, eq),
      value: pair.slice(eq + 1),
      attributes: new Map(
        attributes.map((attribute) => {
          const at = attribute.indexOf('=');
          return at < 0
            ? [attribute.toLowerCase(), '']
            : [attribute.slice(0, at).toLowerCase(), attribute.slice(at + 1)];
        }),
      ),
    };
  });
}

/** Sends `lines` as one raw HTTP/1.1 request and resolves with the status code. */
function rawStatus(port: number, lines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.end(`${[...lines, 'Host: 127.0.0.1', 'Connection: close'].join('\r\n')}\r\n\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(answer.slice(9, 12))));
  });
}

/** The cookies a browser would hold after a login. */
interface Jar {
  readonly session: string;
  readonly refresh: string;
  readonly csrf: string;
}

describe.each(COOKIE_CONFIGS)('Chirp with AUTH_TRANSPORT=cookie ($name)', (testConfig) => {
  let chirp: ChirpHarness;
  /** The page's own origin, as a browser would send it. */
  let self: string;

  beforeAll(async () => {
    chirp = await ChirpHarness.start(testConfig);
    const { port } = chirp.app.getHttpServer().address() as { port: number };
    self = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await chirp?.stop();
  });

  /** Headers of a same-origin `fetch` from the page. */
  const sameOrigin = () => ({ Origin: self, 'Sec-Fetch-Site': 'same-origin' });
  /** What the page sends on an unsafe request: session and CSRF cookies, CSRF header. */
  const unsafe = (jar: Jar) => ({
    ...sameOrigin(),
    Cookie: `${SESSION}=${jar.session}; ${CSRF}=${jar.csrf}`,
    'X-CSRF-Token': jar.csrf,
  });
  /** What the browser sends to /auth/refresh (the refresh cookie's path). */
  const refreshing = (jar: Jar) => ({
    ...sameOrigin(),
    Cookie: `${SESSION}=${jar.session}; ${REFRESH}=${jar.refresh}; ${CSRF}=${jar.csrf}`,
    'X-CSRF-Token': jar.csrf,
  });
  const session = (token: string) => ({ Cookie: `${SESSION}=${token}` });

  async function login(username: string, password = DEMO_PASSWORD): Promise<Jar> {
    const response = await chirp.http
      .post('/auth/login')
      .set(sameOrigin())
      .send({ username, password });
    expect({ username, status: response.status }).toEqual({ username, status: 200 });
    const cookies = new Map(setCookies(response).map((c) => [c.name, c.value]));
    return {
      session: cookies.get(SESSION)!,
      refresh: cookies.get(REFRESH)!,
      csrf: cookies.get(CSRF)!,
    };
  }

  async function newUser(prefix: string) {
    const username = uniqueUsername(prefix);
    const password = 'fresh-password-1';
    expect((await chirp.http.post('/auth/register').send({ username, password })).status).toBe(201);
    return { username, password, jar: await login(username, password) };
  }

  const me = (jar: Jar) => chirp.http.get('/me').set(session(jar.session));
  const likesOf = async (id: number) =>
    ((await chirp.http.get('/posts')).body as Array<{ id: number; likes: number }>).find(
      (p) => p.id === id,
    );
  const newPost = async (jar: Jar, text: string): Promise<number> => {
    const created = await chirp.http.post('/posts').set(unsafe(jar)).send({ text });
    expect(created.status).toBe(201);
    return (created.body as { id: number }).id;
  };

  /** The expired (`Max-Age=0`, empty) Set-Cookie of every cookie, at its path. */
  function expectCleared(response: Response): void {
    const cleared = setCookies(response);
    expect(
      cleared.map((c) => [c.name, c.value, c.attributes.get('max-age'), c.attributes.get('path')]),
    ).toEqual([
      [SESSION, '', '0', '/'],
      [REFRESH, '', '0', '/auth/refresh'],
      [CSRF, '', '0', '/'],
    ]);
    expect(response.headers['cache-control']).toBe('no-store');
  }

  describe('login (S28)', () => {
    it('sets __Host-session, __Secure-refresh and __Host-csrf, and returns no token', async () => {
      const response = await chirp.http
        .post('/auth/login')
        .set(sameOrigin())
        .send({ username: 'alice', password: DEMO_PASSWORD });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toEqual({
        tokenType: 'cookie',
        expiresIn: ACCESS_TOKEN_TTL,
        csrfToken: expect.stringMatching(/^[\w-]{43}$/),
      });

      const cookies = setCookies(response);
      expect(cookies.map((c) => c.name)).toEqual([SESSION, REFRESH, CSRF]);
      for (const cookie of cookies) {
        expect(cookie.attributes.has('secure')).toBe(true);
        expect(cookie.attributes.has('domain')).toBe(false);
        expect(cookie.attributes.has('expires')).toBe(false);
        expect(cookie.attributes.get('samesite')).toBe('Strict');
        const maxAge = Number(cookie.attributes.get('max-age'));
        expect(maxAge).toBeLessThanOrEqual(SESSION_TTL);
        expect(maxAge).toBeGreaterThan(SESSION_TTL - 60);
        expect(cookie.name.length + 1 + cookie.value.length).toBeLessThanOrEqual(MAX_COOKIE_LENGTH);
      }
      const [sessionCookie, refreshCookie, csrfCookie] = cookies;
      expect(sessionCookie.attributes.get('path')).toBe('/');
      expect(sessionCookie.attributes.has('httponly')).toBe(true);
      expect(refreshCookie.attributes.get('path')).toBe('/auth/refresh');
      expect(refreshCookie.attributes.has('httponly')).toBe(true);
      expect(csrfCookie.attributes.get('path')).toBe('/');
      expect(csrfCookie.attributes.has('httponly')).toBe(false); // the page reads it
      expect(csrfCookie.value).toBe(response.body.csrfToken);
      // The tokens are nowhere in the body.
      expect(response.text).not.toContain(sessionCookie.value);
      expect(response.text).not.toContain(refreshCookie.value);

      const profile = await chirp.http.get('/me').set(session(sessionCookie.value));
      expect(profile.status).toBe(200);
      expect(profile.body.username).toBe('alice');
    });

    it('answers a wrong password 401 and sets no cookie', async () => {
      const response = await chirp.http
        .post('/auth/login')
        .set(sameOrigin())
        .send({ username: 'alice', password: 'not-the-password' });
      expectError(response, 401);
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a cross-site or null-origin login (login CSRF): 403, no session', async () => {
      for (const headers of [
        { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' },
        { Origin: EVIL },
        { 'Sec-Fetch-Site': 'cross-site' },
        { Origin: 'null' },
      ]) {
        const response = await chirp.http
          .post('/auth/login')
          .set(headers)
          .type('form')
          .send({ username: 'alice', password: DEMO_PASSWORD });
        expectError(response, 403);
        expect(response.headers['set-cookie']).toBeUndefined();
      }
    });

    it('accepts a login from a client without fetch metadata (curl, tests)', async () => {
      const response = await chirp.http
        .post('/auth/login')
        .send({ username: 'bob', password: DEMO_PASSWORD });
      expect(response.status).toBe(200);
      expect(setCookies(response)).toHaveLength(3);
    });
  });

  describe('refresh (S28, S53)', () => {
    it('reads the refresh cookie and answers new token cookies, keeping the CSRF cookie', async () => {
      const { jar } = await newUser('crot');
      const response = await chirp.http.post('/auth/refresh').set(refreshing(jar));
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({ tokenType: 'cookie', expiresIn: ACCESS_TOKEN_TTL });
      const cookies = setCookies(response);
      expect(
        cookies.map((c) => [c.name, c.attributes.get('path'), c.attributes.has('httponly')]),
      ).toEqual([
        [SESSION, '/', true],
        [REFRESH, '/auth/refresh', true],
      ]);
      const next: Jar = { session: cookies[0].value, refresh: cookies[1].value, csrf: jar.csrf };
      expect(next.session).not.toBe(jar.session);
      expect(next.refresh).not.toBe(jar.refresh);
      for (const cookie of cookies) {
        expect(Number(cookie.attributes.get('max-age'))).toBeLessThanOrEqual(SESSION_TTL);
      }
      expect((await me(next)).status).toBe(200);
      expect((await chirp.http.post('/auth/refresh').set(refreshing(next))).status).toBe(200);
    });

    it('on reuse of a spent refresh cookie: 401, cookies cleared, the session revoked', async () => {
      const { jar } = await newUser('creuse');
      const r2 = await chirp.http.post('/auth/refresh').set(refreshing(jar));
      const cookies = setCookies(r2);
      const second: Jar = { session: cookies[0].value, refresh: cookies[1].value, csrf: jar.csrf };
      const r3 = await chirp.http.post('/auth/refresh').set(refreshing(second));
      const latest = setCookies(r3);
      const third: Jar = { session: latest[0].value, refresh: latest[1].value, csrf: jar.csrf };

      const reuse = await chirp.http.post('/auth/refresh').set(refreshing(jar));
      expectError(reuse, 401);
      expect(reuse.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expectCleared(reuse);
      expectError(await me(third), 401);
      expectError(await chirp.http.post('/auth/refresh').set(refreshing(third)), 401);
    });

    it('never reads the body: a refresh token there, without the cookie, is 401', async () => {
      const { jar } = await newUser('cbody');
      const response = await chirp.http
        .post('/auth/refresh')
        .set({ ...sameOrigin(), Cookie: `${CSRF}=${jar.csrf}`, 'X-CSRF-Token': jar.csrf })
        .send({ refreshToken: jar.refresh });
      expectError(response, 401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      // The refresh token was not spent.
      expect((await chirp.http.post('/auth/refresh').set(refreshing(jar))).status).toBe(200);
    });

    it('refuses a cross-site or token-less refresh with 403 and spends nothing', async () => {
      const { jar } = await newUser('ccsrf');
      const cookie = `${REFRESH}=${jar.refresh}; ${CSRF}=${jar.csrf}`;
      for (const headers of [
        { Cookie: cookie, Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' },
        { Cookie: cookie, Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'X-CSRF-Token': jar.csrf },
        { Cookie: cookie, Origin: 'null', 'X-CSRF-Token': jar.csrf },
        { Cookie: cookie, ...sameOrigin() },
        { Cookie: cookie, ...sameOrigin(), 'X-CSRF-Token': 'A'.repeat(43) },
        { Cookie: `${REFRESH}=${jar.refresh}`, ...sameOrigin(), 'X-CSRF-Token': jar.csrf },
      ]) {
        const response = await chirp.http.post('/auth/refresh').set(headers);
        expectError(response, 403);
        expect(response.headers['set-cookie']).toBeUndefined();
      }
      expect((await chirp.http.post('/auth/refresh').set(refreshing(jar))).status).toBe(200);
    });

    it('keeps the refresh token out of every other channel (S53)', async () => {
      const { jar } = await newUser('cchan');
      expectError(await chirp.http.get('/me').set(session(jar.refresh)), 401);
      expectError(await chirp.http.get('/me').set(bearer(jar.refresh)), 401);
      expectError(
        await chirp.http.post(`/auth/refresh?refreshToken=${jar.refresh}`).set(sameOrigin()),
        401,
      );
    });
  });

  describe('logout and revocations (S28)', () => {
    it('logout answers 204 and expires the three cookies; the tokens stop working', async () => {
      const { jar } = await newUser('cout');
      const response = await chirp.http.post('/auth/logout').set(unsafe(jar));
      expect(response.status).toBe(204);
      expectCleared(response);
      expectError(await me(jar), 401);
      expectError(await chirp.http.post('/auth/refresh').set(refreshing(jar)), 401);
    });

    it('DELETE /auth/sessions ends every session and clears the cookies; keep=current does not', async () => {
      const user = await newUser('call');
      const other = await login(user.username, user.password);
      const keep = await chirp.http.delete('/auth/sessions?keep=current').set(unsafe(user.jar));
      expect(keep.status).toBe(204);
      expect(keep.headers['set-cookie']).toBeUndefined();
      expectError(await me(other), 401);
      expect((await me(user.jar)).status).toBe(200);

      const all = await chirp.http.delete('/auth/sessions').set(unsafe(user.jar));
      expect(all.status).toBe(204);
      expectCleared(all);
      expectError(await me(user.jar), 401);
    });

    it('DELETE /auth/sessions/:id clears the cookies only when it ends the calling session', async () => {
      const user = await newUser('cone');
      const phone = await login(user.username, user.password);
      const listed = await chirp.http.get('/auth/sessions').set(session(user.jar.session));
      const sessions = listed.body as Array<{ id: string; current: boolean }>;
      const current = sessions.find((s) => s.current)!.id;
      const other = sessions.find((s) => !s.current)!.id;

      const ended = await chirp.http.delete(`/auth/sessions/${other}`).set(unsafe(user.jar));
      expect(ended.status).toBe(204);
      expect(ended.headers['set-cookie']).toBeUndefined();
      expectError(await me(phone), 401);

      const self = await chirp.http.delete(`/auth/sessions/${current}`).set(unsafe(user.jar));
      expect(self.status).toBe(204);
      expectCleared(self);
    });
  });

  describe('the API by cookie', () => {
    it('posts, likes, deletes and changes the password with the CSRF token', async () => {
      const user = await newUser('capi');
      const id = await newPost(user.jar, 'Hello by cookie');
      const like = await chirp.http.post(`/posts/${id}/like`).set(unsafe(user.jar));
      expect(like.status).toBe(200);
      expect(like.body).toEqual({ id, likes: 1 });
      const profile = await chirp.http
        .patch('/me')
        .set(unsafe(user.jar))
        .send({ displayName: 'Cookie Person' });
      expect(profile.status).toBe(200);
      expect((await chirp.http.delete(`/posts/${id}`).set(unsafe(user.jar))).status).toBe(204);
      const password = await chirp.http
        .post('/auth/password')
        .set(unsafe(user.jar))
        .send({ currentPassword: user.password, newPassword: 'cookie-password-2' });
      expect(password.status).toBe(204);
      expect((await me(user.jar)).status).toBe(200);
    });

    it('HEAD and GET authenticate alike (S31)', async () => {
      const jar = await login('bob');
      expect((await chirp.http.head('/me').set(session(jar.session))).status).toBe(200);
      expect((await chirp.http.head('/me')).status).toBe(401);
    });
  });

  describe('header precedence and strict cookie reading (S01, S05, S11, S29)', () => {
    let alice: Jar;
    let bob: Jar;

    beforeAll(async () => {
      [alice, bob] = await Promise.all([login('alice'), login('bob')]);
    });

    it('answers 401 with a bare challenge without any credential', async () => {
      const response = await chirp.http.get('/me');
      expectError(response, 401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      const empty = await chirp.http.get('/me').set('Cookie', `${SESSION}=`);
      expectError(empty, 401);
      expect(empty.headers['www-authenticate']).toBe('Bearer');
    });

    it('lets a valid Authorization header win over the cookie: one identity, never a merge', async () => {
      const response = await chirp.http
        .get('/me')
        .set(bearer(bob.session))
        .set(session(alice.session));
      expect(response.status).toBe(200);
      expect(response.body.username).toBe('bob');
    });

    it('never falls back to the cookie after an invalid or foreign Authorization header', async () => {
      for (const authorization of [
        'Bearer garbage!',
        'Bearer',
        `Bearer ${'A'.repeat(43)}`,
        'Basic YWxpY2U6cGFzc3dvcmQ=',
        alice.session,
      ]) {
        const response = await chirp.http
          .get('/me')
          .set('Authorization', authorization)
          .set(session(alice.session));
        expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
        expectError(response, 401);
      }
    });

    it('answers 401 to repeated Authorization lines, and to a session cookie in two Cookie lines', async () => {
      const { port } = chirp.app.getHttpServer().address() as { port: number };
      for (const lines of [
        ['GET /me HTTP/1.1', `Authorization: Bearer ${alice.session}`, 'Authorization: Bearer x'],
        [
          'GET /me HTTP/1.1',
          `Authorization: Bearer ${alice.session}`,
          `authorization: Bearer ${bob.session}`,
        ],
        [
          'GET /me HTTP/1.1',
          'Authorization: Bearer x',
          `Authorization: Bearer ${alice.session}`,
          `Cookie: ${SESSION}=${alice.session}`,
        ],
        ['GET /me HTTP/1.1', `Cookie: ${SESSION}=${alice.session}`, `Cookie: ${SESSION}=x`],
      ]) {
        expect({ lines, status: await rawStatus(port, lines) }).toEqual({ lines, status: 401 });
      }
      expect(
        await rawStatus(port, ['GET /me HTTP/1.1', `Authorization: Bearer ${alice.session}`]),
      ).toBe(200);
      expect(
        await rawStatus(port, [
          'GET /me HTTP/1.1',
          'Cookie: a=1',
          `Cookie: ${SESSION}=${alice.session}`,
        ]),
      ).toBe(200);
    });

    it('answers 401 to a duplicated session cookie, whatever the order (documented)', async () => {
      for (const cookie of [
        `${SESSION}=garbage; ${SESSION}=${alice.session}`,
        `${SESSION}=${alice.session}; ${SESSION}=garbage`,
        `${SESSION}=${alice.session}; ${SESSION}=${alice.session}`,
        `${SESSION}=${bob.session}; x=1; ${SESSION}=${alice.session}`,
      ]) {
        const response = await chirp.http.get('/me').set('Cookie', cookie);
        expectError(response, 401);
        expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
    });

    it('reads only the exact configured name: lookalikes are no credential', async () => {
      for (const name of [
        'session',
        '__Secure-session',
        '__host-session',
        '__HOST-SESSION',
        `${SESSION}x`,
      ]) {
        const response = await chirp.http.get('/me').set('Cookie', `${name}=${alice.session}`);
        expectError(response, 401);
        expect(response.headers['www-authenticate']).toBe('Bearer');
      }
    });

    it('answers 401, never 500, to values that are not tokens (j: JSON cookies, encodings)', async () => {
      const smuggled = encodeURIComponent(`${alice.session}; Path=/`);
      for (const value of [
        'j%3A%7B%22a%22%3A1%7D',
        'j%3A%5B%5D',
        'j%3Anull',
        'j:{"a":1}',
        `"${alice.session}"`,
        smuggled,
        encodeURIComponent(smuggled),
        `${alice.session}%00`,
        `${alice.session.slice(1)}`,
        'A'.repeat(5_000),
      ]) {
        const response = await chirp.http.get('/me').set('Cookie', `${SESSION}=${value}`);
        expect({ value, status: response.status }).toEqual({ value, status: 401 });
        expectError(response, 401);
      }
      expect((await me(alice)).status).toBe(200);
    });
  });

  describe('CSRF (S30, S31, S32)', () => {
    let alice: Jar;
    let bob: Jar;
    let bobsPost: number;
    let alicesPost: number;
    /** What `GET /posts` must keep answering for alice's post: no request may touch it. */
    let alicesPostUntouched: { id: number; authorId: string; text: string; likes: number };

    beforeAll(async () => {
      [alice, bob] = await Promise.all([login('alice'), login('bob')]);
      bobsPost = await newPost(bob, 'Bob, liked by nobody');
      alicesPost = await newPost(alice, 'Alice, still here');
      const aliceId = ((await me(alice)).body as { id: string }).id;
      alicesPostUntouched = {
        id: alicesPost,
        authorId: aliceId,
        text: 'Alice, still here',
        likes: 0,
      };
    });

    /** A cross-site "simple" request: alice's cookies ride along, nothing else. */
    const crossSite = (extra: Record<string, string> = {}) => ({
      Cookie: `${SESSION}=${alice.session}; ${CSRF}=${alice.csrf}`,
      Origin: EVIL,
      'Sec-Fetch-Site': 'cross-site',
      'Content-Type': 'text/plain',
      ...extra,
    });

    it('refuses cross-site unsafe requests with 403 and no side effect', async () => {
      for (const headers of [
        crossSite(),
        crossSite({ Origin: 'null' }),
        crossSite({ 'X-CSRF-Token': alice.csrf }), // even with the token, the origin is wrong
        { ...crossSite(), 'Sec-Fetch-Site': 'same-site' },
      ]) {
        const like = await chirp.http.post(`/posts/${bobsPost}/like`).set(headers).send('x');
        expectError(like, 403);
        const remove = await chirp.http.delete(`/posts/${alicesPost}`).set(headers);
        expectError(remove, 403);
        const logout = await chirp.http.post('/auth/logout').set(headers);
        expectError(logout, 403);
      }
      expect(await likesOf(bobsPost)).toEqual(expect.objectContaining({ likes: 0 }));
      expect(await likesOf(alicesPost)).toEqual(alicesPostUntouched);
      expect((await me(alice)).status).toBe(200); // not logged out
    });

    it('refuses same-origin unsafe requests without the right CSRF token (403)', async () => {
      const cookie = `${SESSION}=${alice.session}; ${CSRF}=${alice.csrf}`;
      for (const headers of [
        { ...sameOrigin(), Cookie: cookie },
        { ...sameOrigin(), Cookie: cookie, 'X-CSRF-Token': bob.csrf },
        { ...sameOrigin(), Cookie: `${SESSION}=${alice.session}`, 'X-CSRF-Token': alice.csrf },
        { Cookie: cookie, 'X-CSRF-Token': alice.csrf.slice(1) },
        { Cookie: cookie, Origin: 'null', 'X-CSRF-Token': alice.csrf },
        { Cookie: cookie, Origin: `${self}.evil.example`, 'X-CSRF-Token': alice.csrf },
      ]) {
        const like = await chirp.http.post(`/posts/${bobsPost}/like`).set(headers);
        expectError(like, 403);
        expect(like.body.message).not.toMatch(/token|origin|sec-fetch/i); // generic
      }
      expect(await likesOf(bobsPost)).toEqual(expect.objectContaining({ likes: 0 }));
    });

    it('exempts Authorization: Bearer requests (positive control) and safe methods', async () => {
      const like = await chirp.http
        .post(`/posts/${bobsPost}/like`)
        .set(bearer(alice.session))
        .set({ Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'text/plain' })
        .send('x');
      expect(like.status).toBe(200);
      expect(like.body).toEqual({ id: bobsPost, likes: 1 });
      const read = await chirp.http.get('/me').set(crossSite());
      expect(read.status).toBe(200);
      // A same-origin request with the token works too.
      const own = await chirp.http.post(`/posts/${bobsPost}/like`).set(unsafe(bob));
      expect(own.body).toEqual({ id: bobsPost, likes: 2 });
    });

    it('changes nothing through safe methods or method overrides (S31)', async () => {
      const cookie = unsafe(alice);
      expectError(await chirp.http.get('/auth/logout').set(cookie), 404);
      expectError(await chirp.http.get(`/posts/${alicesPost}/delete`).set(cookie), 404);
      expect((await chirp.http.head('/posts').set(cookie)).status).toBe(200);
      expectError(
        await chirp.http
          .post(`/posts/${alicesPost}`)
          .set(cookie)
          .set('X-HTTP-Method-Override', 'DELETE'),
        404,
      );
      expectError(await chirp.http.post(`/posts/${alicesPost}?_method=DELETE`).set(cookie), 404);
      expect(await likesOf(alicesPost)).toEqual(alicesPostUntouched);
      expect((await me(alice)).status).toBe(200);
    });

    it('grants no CORS: no Access-Control-Allow-Origin for any origin (S32)', async () => {
      for (const origin of [EVIL, 'https://app.example.evil.example', self]) {
        const preflight = await chirp.http.options('/me').set({
          Origin: origin,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization,x-csrf-token',
        });
        const read = await chirp.http.get('/me').set({ ...session(alice.session), Origin: origin });
        for (const response of [preflight, read]) {
          expect(response.headers['access-control-allow-origin']).toBeUndefined();
          expect(response.headers['access-control-allow-credentials']).toBeUndefined();
        }
        expect(preflight.status).toBeGreaterThanOrEqual(400);
      }
    });
  });

  // Last: it ends every session, those of the tests above included.
  describe('incident response', () => {
    it('POST /admin/sessions/revoke-everything expires the caller’s cookies; every session ends', async () => {
      const [admin, bystander] = await Promise.all([login('admin'), login('bob')]);
      const response = await chirp.http
        .post('/admin/sessions/revoke-everything')
        .set(unsafe(admin));
      expect(response.status).toBe(204);
      expectCleared(response);
      expectError(await me(admin), 401);
      expectError(await me(bystander), 401);
    });
  });
});
