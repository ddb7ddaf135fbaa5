import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { UserService } from 'nest-sessions';
import { expectGeneric401, expectGenericError, expectNo5xx } from './support/expectations.js';
import {
  bearer,
  CORE_TARGETS,
  itKeepsSecretsOutOfTheLog,
  securityConfigs,
  storeMatrix,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist F (S40–S43), and S26 for both strategies: logout and revocation must hold at
// once. Logout (S40), "log out other devices" (S41), password change (S42), disabling and
// incident response (S43) run on every store available with reference tokens, each store
// revoking its own way, and with value tokens on memory and SQLite (one instance applies
// its own revocations in process; revocation across instances is test/e2e's multi-instance
// suite). Listing, ending a session by id, the admin 403s and the deleted-user case (S26)
// are app logic: core stores only.

interface SessionView {
  readonly id: string;
  readonly current: boolean;
}

describe.each(storeMatrix())('Security F: logout and revocation ($name)', (config) => {
  const chirp = useSecurityChirp(config);

  /** A fresh member with a password of its own (so demo users keep theirs). */
  async function member(): Promise<{ id: string; username: string; password: string }> {
    const username = `m_${randomBytes(5).toString('hex')}`;
    const password = chirp.secret(`pw-${randomBytes(8).toString('hex')}`);
    const res = await chirp.http.post('/auth/register').send({ username, password });
    expect(res.status).toBe(201);
    return { id: (res.body as { id: string }).id, username, password };
  }

  const sessionsOf = async (token: string) =>
    (await chirp.http.get('/auth/sessions').set(bearer(token))).body as SessionView[];
  const currentId = async (token: string) => (await sessionsOf(token)).find((s) => s.current)!.id;

  it('S40: logout ends that session at once (access and refresh), is not repeatable, and spares the other device', async () => {
    const a1 = await chirp.session('alice');
    const a2 = await chirp.session('alice');
    const id1 = await currentId(a1.accessToken);
    expect((await chirp.http.post('/auth/logout').set(bearer(a1.accessToken))).status).toBe(204);
    await chirp.probe(
      () => chirp.me(a1.accessToken),
      (res) => expectGeneric401(res, true, [a1.accessToken]),
    );
    await chirp.probe(
      () => chirp.http.post('/auth/logout').set(bearer(a1.accessToken)),
      (res) => expectGeneric401(res, true, [a1.accessToken]),
    );
    await chirp.probe(
      () => chirp.refresh(a1.refreshToken),
      (res) => expectGenericError(res, 401, [a1.refreshToken]),
    );
    expect((await chirp.me(a2.accessToken)).status).toBe(200);
    const stored = await chirp.store.findById(id1);
    const gone =
      stored === null ||
      stored.session.expiresAt <= chirp.clock.now() ||
      stored.session.epoch < stored.subject.epoch;
    expect(gone).toBe(true);
    expect((await sessionsOf(a2.accessToken)).map((s) => s.id)).not.toContain(id1);
  });

  // Listing and ending sessions by id is app logic over listByUser/revoke: core stores only.
  if (config.core) {
    it('S41: the session list shows only the caller’s sessions, with ids that are not credentials', async () => {
      const a1 = await chirp.session('alice');
      const b1 = await chirp.session('bob');
      const list = await chirp.http.get('/auth/sessions').set(bearer(a1.accessToken));
      expect(list.status).toBe(200);
      const ids = (list.body as SessionView[]).map((s) => s.id);
      const bobIds = (await sessionsOf(b1.accessToken)).map((s) => s.id);
      expect(ids.filter((id) => bobIds.includes(id))).toEqual([]);
      expect(list.text.includes(a1.accessToken)).toBe(false);
      expect(list.text.includes(a1.refreshToken)).toBe(false);
      for (const id of ids.slice(0, 2)) {
        await chirp.probe(
          () => chirp.me(id),
          (res) => expectGeneric401(res, true, [id]),
        );
        await chirp.probe(
          () => chirp.refresh(id),
          (res) => expectGenericError(res, 401),
        );
      }
    });

    it('S41: bob can neither list nor end alice’s sessions by id (404), and alice’s session survives', async () => {
      const a1 = await chirp.session('alice');
      const b1 = await chirp.session('bob');
      const aliceSession = await currentId(a1.accessToken);
      await chirp.probe(
        () => chirp.http.delete(`/auth/sessions/${aliceSession}`).set(bearer(b1.accessToken)),
        (res) => expectGenericError(res, 404),
      );
      expect((await chirp.me(a1.accessToken)).status).toBe(200);
    });
  }

  it('S41: "log out other devices" (DELETE /auth/sessions?keep=current) ends A2 and A3, keeps A1, spares bob', async () => {
    const a1 = await chirp.session('alice');
    const a2 = await chirp.session('alice');
    const a3 = await chirp.session('alice');
    const b1 = await chirp.session('bob');
    const res = await chirp.http.delete('/auth/sessions?keep=current').set(bearer(a1.accessToken));
    expect(res.status).toBe(204);
    for (const pair of [a2, a3]) {
      expectGeneric401(await chirp.me(pair.accessToken), true);
      expectGenericError(await chirp.refresh(pair.refreshToken), 401);
    }
    expect((await chirp.me(a1.accessToken)).status).toBe(200);
    expect((await chirp.me(b1.accessToken)).status).toBe(200);
    await chirp.resetControl();
  });

  it('S42: a wrong current password changes nothing; the right one revokes the other sessions (A2, R2) and keeps A1', async () => {
    const user = await member();
    const a1 = await chirp.sessionFor(user.id);
    const a2 = await chirp.sessionFor(user.id);
    await chirp.probe(
      () =>
        chirp.http
          .post('/auth/password')
          .set(bearer(a1.accessToken))
          .send({ currentPassword: 'not-the-password', newPassword: 'brand-new-pass-1' }),
      (res) => expectGenericError(res, 401),
    );
    await chirp.probe(
      () =>
        chirp.http
          .post('/auth/password')
          .set(bearer(a1.accessToken))
          .send({ newPassword: 'brand-new-pass-1' }),
      (res) => expectGenericError(res, 400),
    );
    const newPassword = chirp.secret('brand-new-pass-1');
    const changed = await chirp.http
      .post('/auth/password')
      .set(bearer(a1.accessToken))
      .send({ currentPassword: user.password, newPassword });
    expect(changed.status).toBe(204);
    expectGeneric401(await chirp.me(a2.accessToken), true);
    expectGenericError(await chirp.refresh(a2.refreshToken), 401);
    expect((await chirp.me(a1.accessToken)).status).toBe(200);
    if (config.core) {
      expectGenericError(
        await chirp.http
          .post('/auth/login')
          .send({ username: user.username, password: user.password }),
        401,
      );
    }
    if (config.core) await chirp.login(user.username, newPassword);
  });

  it('S43: disabling a user ends their access and refresh tokens at once; their right password then fails like a wrong one', async () => {
    const user = await member();
    const pair = await chirp.sessionFor(user.id);
    await chirp.harness.app.get(UserService).setDisabled(user.id, true);
    await chirp.probe(
      () => chirp.me(pair.accessToken),
      (res) => expectGeneric401(res, true, [pair.accessToken]),
    );
    await chirp.probe(
      () => chirp.refresh(pair.refreshToken),
      (res) => expectGenericError(res, 401),
    );
    await chirp.probe(
      () =>
        chirp.http.post('/auth/login').send({ username: user.username, password: user.password }),
      (res) => expectGenericError(res, 401, [user.password]),
    );
  });

  if (config.core) {
    it('S43: a non-admin cannot use the admin endpoints (403, no side effect)', async () => {
      const bob = await chirp.session('bob');
      await chirp.probe(
        () => chirp.http.post('/admin/sessions/revoke-everything').set(bearer(bob.accessToken)),
        (res) => expectGenericError(res, 403),
      );
      await chirp.probe(
        () =>
          chirp.http
            .put(`/admin/users/${chirp.ids.alice}/permissions`)
            .set(bearer(bob.accessToken))
            .send({ permissions: ['users:manage'] }),
        (res) => expectGenericError(res, 403),
      );
    });
  }

  it('S43: the admin’s incident response ends every session at once, access and refresh tokens alike', async () => {
    const admin = await chirp.session('admin');
    const victims = [await chirp.session('bob'), await chirp.session('alice')];
    const res = await chirp.http
      .post('/admin/sessions/revoke-everything')
      .set(bearer(admin.accessToken));
    expect(res.status).toBe(204);
    for (const pair of [...victims, admin]) {
      expectGeneric401(await chirp.me(pair.accessToken), true);
      expectGenericError(await chirp.refresh(pair.refreshToken), 401);
    }
    await chirp.resetControl();
    await chirp.expectServing();
  });

  itKeepsSecretsOutOfTheLog(chirp);
});

describe.each(securityConfigs(CORE_TARGETS))('Security F: S26 a deleted user ($name)', (config) => {
  const chirp = useSecurityChirp(config);

  it('S26: a user deleted through the API (DELETE /admin/users/:id) loses every token at once', async () => {
    const username = `del_${randomBytes(4).toString('hex')}`;
    const password = chirp.secret('deleted-password-1');
    const registered = await chirp.http.post('/auth/register').send({ username, password });
    expect(registered.status).toBe(201);
    const id = (registered.body as { id: string }).id;
    const pair: TokenPair = await chirp.login(username, password);
    const admin: TokenPair = await chirp.login('admin');
    expect((await chirp.me(pair.accessToken)).status).toBe(200);

    await chirp.http.delete(`/admin/users/${id}`).set(bearer(admin.accessToken)).expect(204);

    await chirp.probe(
      () => chirp.me(pair.accessToken),
      (res) => expectGeneric401(res, true),
    );
    await chirp.probe(
      () => chirp.refresh(pair.refreshToken),
      (res) => expectGenericError(res, 401, [pair.refreshToken]),
    );
    await chirp.http.delete(`/admin/users/${id}`).set(bearer(admin.accessToken)).expect(404);
  });

  it('S26: after the user row is deleted behind the library’s back (an operator’s SQL DELETE), nothing answers 5xx and no new token is issued', async () => {
    const username = `gone_${randomBytes(4).toString('hex')}`;
    const password = chirp.secret('gone-password-1');
    const registered = await chirp.http.post('/auth/register').send({ username, password });
    expect(registered.status).toBe(201);
    const id = (registered.body as { id: string }).id;
    const pair: TokenPair = await chirp.login(username, password);
    await chirp.harness.dataSource.query('DELETE FROM ns_user_permissions WHERE user_id = ?', [id]);
    await chirp.harness.dataSource.query('DELETE FROM ns_users WHERE id = ?', [id]);

    await chirp.probe(
      () => chirp.http.post('/posts').set(bearer(pair.accessToken)).send({ text: 'from beyond' }),
      (res) => {
        expectNo5xx(res, 'POST /posts as a deleted user');
        expect(res.status).toBeGreaterThanOrEqual(400);
      },
    );
    await chirp.probe(
      () => chirp.me(pair.accessToken),
      (res) => {
        expectNo5xx(res, 'GET /me as a deleted user');
        expect([401, 404]).toContain(res.status);
      },
    );
    // No new tokens for a user who no longer exists (reference and value tokens alike). The
    // refresh ends that session (the one store change here, on purpose): the next try finds
    // nothing at all.
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await chirp.refresh(pair.refreshToken);
      expectGenericError(res, 401, [pair.refreshToken]);
    }
    expect((await chirp.me(pair.accessToken)).status).toBeGreaterThanOrEqual(400);
  });

  itKeepsSecretsOutOfTheLog(chirp);
});
