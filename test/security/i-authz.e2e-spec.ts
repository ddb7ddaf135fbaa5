import { beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, RequestMethod, type Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { isPermissionName, missingPermissions, Public } from 'nest-sessions';
import { decodeJws } from '../support/jwt/forge.js';
import { expectGeneric401, expectGenericError, FORBIDDEN_BODY } from './support/expectations.js';
import {
  bearer,
  itKeepsSecretsOutOfTheLog,
  pairedConfigs,
  type SecurityChirp,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist I (S54–S60): authentication before authorization, permissions, ownership,
// mass assignment, permission changes, matching robustness and default deny. Permission
// checks run in the guard and Chirp's services whatever the store: reference tokens on
// memory and value tokens on SQLite.

/** Routes the contract makes public; every other route must answer 401 without a token. */
const PUBLIC_ROUTES = new Set([
  'POST /auth/register',
  'POST /auth/login',
  'POST /auth/refresh',
  'GET /posts',
  'GET /health',
  'GET /.well-known/jwks.json',
]);

/** A probe controller without any decorator of the library: default deny (S60). */
@Controller('probe')
class UndecoratedProbeController {
  @Get('plain')
  plain(): { reached: true } {
    return { reached: true };
  }

  @Public()
  @Get('public')
  open(): { reached: true } {
    return { reached: true };
  }
}

/** Every route of the running app, from Nest's controller metadata (adapter-independent). */
function routesOf(chirp: SecurityChirp): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  for (const module of chirp.harness.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as Type | null;
      if (!type) continue;
      const base = String(Reflect.getMetadata('path', type) ?? '');
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata('path', handler) as string | undefined;
        const method = Reflect.getMetadata('method', handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const full = `/${[base, path]
          .map((p) => p.replace(/^\/|\/$/g, ''))
          .filter(Boolean)
          .join('/')}`;
        routes.push({ method: RequestMethod[method], path: full });
      }
    }
  }
  return routes;
}

describe.each(pairedConfigs())('Security I: authorization ($name)', (config) => {
  const chirp = useSecurityChirp(config, { controllers: [UndecoratedProbeController] });
  let alice: TokenPair;
  let bob: TokenPair;
  let admin: TokenPair;

  beforeAll(async () => {
    alice = await chirp.session('alice');
    bob = await chirp.session('bob');
    admin = await chirp.session('admin');
  });

  const exists = async (id: number) =>
    ((await chirp.http.get('/posts')).body as Array<{ id: number }>).some((p) => p.id === id);

  it('S54: DELETE /posts/P_A without a token or with a revoked one → 401 (not 403), the handler never runs', async () => {
    const postA = await chirp.createPost(alice.accessToken, 'P_A');
    const revoked = await chirp.session('bob');
    expect((await chirp.http.post('/auth/logout').set(bearer(revoked.accessToken))).status).toBe(
      204,
    );
    await chirp.probe(
      () => chirp.http.delete(`/posts/${postA}`),
      (res) => expectGeneric401(res, false),
    );
    await chirp.probe(
      () => chirp.http.delete(`/posts/${postA}`).set(bearer(revoked.accessToken)),
      (res) => expectGeneric401(res, true),
    );
    expect(await exists(postA)).toBe(true);
  });

  it('S55: a missing permission → 403 with the generic body, no side effect', async () => {
    await chirp.probe(
      () => chirp.http.get('/admin/users').set(bearer(bob.accessToken)),
      (res) => {
        expectGenericError(res, 403);
        expect(res.body).toEqual(FORBIDDEN_BODY);
        expect([undefined, 'Bearer error="insufficient_scope"']).toContain(
          res.headers['www-authenticate'],
        );
      },
    );
    // A user whose permission list is empty.
    const username = `np_${Date.now() % 1e8}`;
    const password = chirp.secret('no-perms-pass');
    const reg = await chirp.http.post('/auth/register').send({ username, password });
    const id = (reg.body as { id: string }).id;
    const set = await chirp.http
      .put(`/admin/users/${id}/permissions`)
      .set(bearer(admin.accessToken))
      .send({ permissions: [] });
    expect(set.status).toBe(200);
    const nobody = await chirp.login(username, password);
    const postA = await chirp.createPost(alice.accessToken, 'P_A for S55');
    for (const send of [
      () => chirp.http.post(`/posts/${postA}/like`).set(bearer(nobody.accessToken)),
      () => chirp.http.post('/posts').set(bearer(nobody.accessToken)).send({ text: 'x' }),
      () => chirp.http.patch('/me').set(bearer(nobody.accessToken)).send({ displayName: 'x' }),
      () => chirp.http.delete(`/posts/${postA}`).set(bearer(nobody.accessToken)),
    ]) {
      await chirp.probe(send, (res) => expect(res.body).toEqual(FORBIDDEN_BODY));
    }
  });

  it('S56: ownership: bob cannot delete alice’s post, can delete his own, iterating ids deletes only his; liking is open; mod deletes any', async () => {
    const aPosts = [
      await chirp.createPost(alice.accessToken, 'A1'),
      await chirp.createPost(alice.accessToken, 'A2'),
    ];
    const bPosts = [
      await chirp.createPost(bob.accessToken, 'B1'),
      await chirp.createPost(bob.accessToken, 'B2'),
    ];
    await chirp.probe(
      () => chirp.http.delete(`/posts/${aPosts[0]}`).set(bearer(bob.accessToken)),
      (res) => expect(res.body).toEqual(FORBIDDEN_BODY),
    );
    // A client-supplied owner changes nothing: the owner is read from the stored post.
    await chirp.probe(
      () =>
        chirp.http
          .delete(`/posts/${aPosts[0]}?authorId=${chirp.ids.bob}`)
          .set(bearer(bob.accessToken))
          .send({ authorId: chirp.ids.bob }),
      (res) => expect([400, 403]).toContain(res.status),
    );
    expect(
      (await chirp.http.delete(`/posts/${bPosts[0]}`).set(bearer(bob.accessToken))).status,
    ).toBe(204);
    const top = Math.max(...aPosts, ...bPosts) + 5;
    for (let id = 1; id <= top; id++) {
      const res = await chirp.http.delete(`/posts/${id}`).set(bearer(bob.accessToken));
      expect([204, 403, 404]).toContain(res.status);
    }
    const left = (await chirp.http.get('/posts')).body as Array<{ id: number; authorId: string }>;
    expect(left.filter((p) => p.authorId === chirp.ids.bob)).toEqual([]);
    for (const id of aPosts) expect(left.map((p) => p.id)).toContain(id);
    expect(
      (await chirp.http.post(`/posts/${aPosts[0]}/like`).set(bearer(bob.accessToken))).status,
    ).toBe(200);
    const mod = await chirp.session('mod');
    expect(
      (await chirp.http.delete(`/posts/${aPosts[1]}`).set(bearer(mod.accessToken))).status,
    ).toBe(204);
  });

  it('S57: mass assignment and prototype pollution in PATCH /me → 400; nothing changes; no global prototype change', async () => {
    const bodies = [
      `{"displayName":"x","id":"${chirp.ids.alice}","permissions":["users:manage"],"isAdmin":true,"passwordHash":"$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA","disabled":false,"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}`,
      `{"displayName":"x","id":"${chirp.ids.alice}","permissions":["users:manage"],"isAdmin":true,"disabled":false}`,
      '{"displayName":"x","__proto__":{"isAdmin":true}}',
      '{"displayName":"x","nested":{"constructor":{"prototype":{"isAdmin":true}}}}',
      '{"displayName":{"toString":"x"}}',
    ];
    for (const body of bodies) {
      await chirp.probe(
        () =>
          chirp.http
            .patch('/me')
            .set(bearer(bob.accessToken))
            .set('Content-Type', 'application/json')
            .send(body),
        (res) => expectGenericError(res, 400),
      );
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('isAdmin');
    await chirp.probe(
      () =>
        chirp.http
          .patch(`/users/${chirp.ids.alice}`)
          .set(bearer(bob.accessToken))
          .send({ displayName: 'pwned' }),
      (res) => expectGenericError(res, [403, 404]),
    );
  });

  it('S58: a removed permission holds from the next request (reference) or the next refresh (value, documented); admin routes re-check at once', async () => {
    const username = `s58_${Date.now() % 1e8}`;
    const password = chirp.secret('s58-password');
    const id = (
      (await chirp.http.post('/auth/register').send({ username, password })).body as { id: string }
    ).id;
    const grant = (permissions: string[]) =>
      chirp.http
        .put(`/admin/users/${id}/permissions`)
        .set(bearer(admin.accessToken))
        .send({ permissions });
    expect((await grant(['posts:like', 'posts:delete:any', 'users:manage'])).status).toBe(200);
    const token = await chirp.login(username, password);
    expect((await chirp.http.get('/admin/users').set(bearer(token.accessToken))).status).toBe(200);
    expect((await grant(['posts:like'])).status).toBe(200);
    // Admin routes are fresh-session routes: the demotion holds at once with both strategies.
    await chirp.probe(
      () => chirp.http.get('/admin/users').set(bearer(token.accessToken)),
      (res) => expect(res.body).toEqual(FORBIDDEN_BODY),
    );
    const postB = await chirp.createPost(bob.accessToken, 'S58 target');
    let current = token;
    if (config.strategy === 'reference') {
      await chirp.probe(
        () => chirp.http.delete(`/posts/${postB}`).set(bearer(token.accessToken)),
        (res) => expect(res.body).toEqual(FORBIDDEN_BODY),
      );
    } else {
      // The value token still carries the old permissions (documented staleness ≤ ACCESS_TOKEN_TTL)...
      expect(decodeJws(token.accessToken).payload.permissions).toContain('posts:delete:any');
      // ...its refresh does not.
      current = (await chirp.refresh(token.refreshToken)).body as TokenPair;
      const fresh = current.accessToken;
      expect(decodeJws(fresh).payload.permissions).toEqual(['posts:like']);
      await chirp.probe(
        () => chirp.http.delete(`/posts/${postB}`).set(bearer(fresh)),
        (res) => expect(res.body).toEqual(FORBIDDEN_BODY),
      );
    }
    // A granted permission: reference tokens at once, value tokens from the next refresh.
    expect((await grant(['posts:like', 'posts:create'])).status).toBe(200);
    if (config.strategy === 'value') {
      current = (await chirp.refresh(current.refreshToken)).body as TokenPair;
    }
    await chirp.createPost(current.accessToken, 'granted');
  });

  it('S59: permission matching is exact, case-sensitive, without wildcards or prototype keys', () => {
    const none = new Set<string>();
    const like = new Set(['posts:like']);
    for (const asked of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      '',
      'POSTS:LIKE',
      'posts:like ',
      'posts:*',
      '*',
    ]) {
      expect(missingPermissions(none, [asked])).toEqual([asked]);
      expect(missingPermissions(like, [asked])).toEqual([asked]);
    }
    expect(missingPermissions(like, ['posts:like:extra'])).toEqual(['posts:like:extra']);
    expect(missingPermissions(like, ['posts:like'])).toEqual([]);
    for (const bad of ['', ' ', 'a b', 'x\u0000', 'é', 'a'.repeat(129)]) {
      expect(isPermissionName(bad)).toBe(false);
    }
  });

  it('S59: the guard sees permissions only from the server (a Set), never from the request', async () => {
    const res = await chirp.http
      .post('/posts')
      .set(bearer(bob.accessToken))
      .set('X-Permissions', 'users:manage')
      .send({ text: 'x', permissions: ['users:manage'] });
    expect(res.status).toBe(400); // unknown field, not a grant
    const principal = await chirp.tokens.verify(bob.accessToken);
    expect(principal?.permissions).toBeInstanceOf(Set);
  });

  it('S60: default deny: every route outside the contract’s public list answers 401 without a token', async () => {
    const routes = routesOf(chirp);
    expect(routes.length).toBeGreaterThan(15);
    for (const { method, path } of routes) {
      const url = path.replace(/:[A-Za-z]+/g, '1');
      const key = `${method} ${path}`;
      const send = chirp.http[method.toLowerCase() as 'get'](url);
      const res = await send;
      if (PUBLIC_ROUTES.has(key) || key === 'GET /probe/public') {
        expect({ key, status: res.status === 401 ? 401 : 'not 401' }).toEqual({
          key,
          status: 'not 401',
        });
      } else {
        expect({ key, status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
          key,
          status: 401,
          challenge: 'Bearer',
        });
      }
    }
    expect((await chirp.http.get('/probe/plain').set(bearer(bob.accessToken))).status).toBe(200);
    await chirp.expectServing();
  });

  itKeepsSecretsOutOfTheLog(chirp);
});
