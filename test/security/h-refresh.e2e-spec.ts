import { describe, expect, it } from '@jest/globals';
import { UserService } from 'nest-sessions';
import { expectGeneric401, expectGenericError } from './support/expectations.js';
import {
  bearer,
  itKeepsSecretsOutOfTheLog,
  storeMatrix,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist H (S47–S50, S52, S53; S51 is in g-expiry): rotation, reuse detection and the
// refresh race on every store available (each implements the compare-and-swap its own
// way; refresh is the same for both strategies, so value tokens run on the core stores); S52 and S53 on the core stores. The refresh grace window is the library's default (5 s) on Chirp's ManualClock:
// "after the window" is a clock step, not a sleep. Cookie refresh (S53) is in
// d-cookies-csrf.e2e-spec.ts.

const GRACE_PLUS = 5_001;
const OPAQUE = /^[A-Za-z0-9_-]{43}$/;

describe.each(storeMatrix())('Security H: refresh tokens ($name)', (config) => {
  const chirp = useSecurityChirp(config);

  const pairOf = (res: { body: unknown }) => res.body as TokenPair;

  /** The answer to a refresh token that never existed: reuse must look exactly like it. */
  async function unknownRefreshAnswer(): Promise<{
    status: number;
    text: string;
    challenge: unknown;
  }> {
    const res = await chirp.refresh('A'.repeat(43));
    return { status: res.status, text: res.text, challenge: res.headers['www-authenticate'] };
  }

  it('S47: refresh rotates: a new pair (no-store), a new 43-char refresh token, the old one spent after the grace window', async () => {
    const r1 = await chirp.session('alice');
    const res = await chirp.refresh(r1.refreshToken);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const r2 = pairOf(res);
    expect(r2.refreshToken).toMatch(OPAQUE);
    expect(r2.refreshToken).not.toBe(r1.refreshToken);
    expect(r2.accessToken).not.toBe(r1.accessToken);
    expect((await chirp.me(r2.accessToken)).status).toBe(200);
    // Within the grace window the predecessor gets the same successor (two tabs), nothing new.
    const replay = await chirp.refresh(r1.refreshToken);
    expect({ status: replay.status, pair: replay.body }).toEqual({ status: 200, pair: r2 });
    chirp.clock.advance(GRACE_PLUS);
    // After the window the spent token is refused (and, being a reuse, revokes the family: S48).
    expectGenericError(await chirp.refresh(r1.refreshToken), 401, [r1.refreshToken]);
    await chirp.expectServing();
  });

  it('S48: reuse of a rotated token (victim first) → the same 401 as an unknown token, and the whole family is revoked', async () => {
    const other = await chirp.session('alice');
    const r1 = await chirp.session('alice');
    const second = pairOf(await chirp.refresh(r1.refreshToken)); // (A2, R2)
    expect((await chirp.me(second.accessToken)).status).toBe(200);
    const third = pairOf(await chirp.refresh(second.refreshToken)); // (A3, R3)
    const unknown = await unknownRefreshAnswer();
    const reuse = await chirp.refresh(r1.refreshToken);
    expect({
      status: reuse.status,
      text: reuse.text,
      challenge: reuse.headers['www-authenticate'],
    }).toEqual(unknown);
    expectGenericError(await chirp.refresh(third.refreshToken), 401);
    expectGeneric401(await chirp.me(third.accessToken), true);
    expectGeneric401(await chirp.me(second.accessToken), true);
    expect((await chirp.me(other.accessToken)).status).toBe(200);
    expect((await chirp.refresh(other.refreshToken)).status).toBe(200);
  });

  it('S49: attacker first: the victim’s later use of the stolen token revokes the attacker’s pair too', async () => {
    const stolen = await chirp.session('bob');
    const attacker = pairOf(await chirp.refresh(stolen.refreshToken));
    expect((await chirp.me(attacker.accessToken)).status).toBe(200);
    chirp.clock.advance(GRACE_PLUS);
    expectGenericError(await chirp.refresh(stolen.refreshToken), 401);
    expectGeneric401(await chirp.me(attacker.accessToken), true);
    expectGenericError(await chirp.refresh(attacker.refreshToken), 401);
  });

  it('S50: ten concurrent refreshes with one token yield one successor pair; exactly one refresh token stays usable', async () => {
    const r1 = await chirp.session('admin');
    const sessionsBefore = (await chirp.store.listByUser(chirp.ids.admin)).sessions.length;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        chirp.http.post('/auth/refresh').send({ refreshToken: r1.refreshToken }),
      ),
    );
    for (const res of answers) {
      expect([200, 401]).toContain(res.status);
      if (res.status === 200) chirp.remember(pairOf(res));
    }
    const pairs = answers.filter((r) => r.status === 200).map((r) => JSON.stringify(r.body));
    expect(pairs.length).toBeGreaterThanOrEqual(1);
    expect(new Set(pairs).size).toBe(1); // one family, one successor
    const successor = JSON.parse(pairs[0]) as TokenPair;
    expect((await chirp.store.listByUser(chirp.ids.admin)).sessions.length).toBe(sessionsBefore);
    const next = await chirp.refresh(successor.refreshToken);
    expect(next.status).toBe(200);
    chirp.clock.advance(GRACE_PLUS);
    // The original token is older than the immediate parent now: reuse, family revoked.
    expectGenericError(await chirp.refresh(r1.refreshToken), 401);
    expectGeneric401(await chirp.me(pairOf(next).accessToken), true);
  });

  // App logic over the same store calls as S40/S42/S43 (f-revocation): core stores only.
  if (config.core) {
    it('S52: no refresh after logout, after a password change from another session, or after the user is disabled', async () => {
      const loggedOut = await chirp.session('alice');
      expect(
        (await chirp.http.post('/auth/logout').set(bearer(loggedOut.accessToken))).status,
      ).toBe(204);
      await chirp.probe(
        () => chirp.refresh(loggedOut.refreshToken),
        (res) => expectGenericError(res, 401),
      );

      const username = `h_${Date.now() % 1e8}`;
      const password = chirp.secret('h-password-1');
      const registered = await chirp.http.post('/auth/register').send({ username, password });
      const id = (registered.body as { id: string }).id;
      const device1 = await chirp.login(username, password);
      const device2 = await chirp.login(username, password);
      const changed = await chirp.http
        .post('/auth/password')
        .set(bearer(device1.accessToken))
        .send({ currentPassword: password, newPassword: chirp.secret('h-password-2') });
      expect(changed.status).toBe(204);
      await chirp.probe(
        () => chirp.refresh(device2.refreshToken),
        (res) => expectGenericError(res, 401),
      );

      await chirp.harness.app.get(UserService).setDisabled(id, true);
      await chirp.probe(
        () => chirp.refresh(device1.refreshToken),
        (res) => expectGenericError(res, 401),
      );
    });

    it('S53: a refresh token in the query string is ignored; as a Bearer token it is refused; with bob’s access token it still only refreshes alice', async () => {
      const alice = await chirp.session('alice');
      const bob = await chirp.session('bob');
      await chirp.probe(
        () => chirp.http.post(`/auth/refresh?refreshToken=${alice.refreshToken}`).send({}),
        (res) => expectGenericError(res, [400, 401], [alice.refreshToken]),
      );
      await chirp.probe(
        () => chirp.me(alice.refreshToken),
        (res) => expectGeneric401(res, true, [alice.refreshToken]),
      );
      const mixed = await chirp.http
        .post('/auth/refresh')
        .set(bearer(bob.accessToken))
        .send({ refreshToken: alice.refreshToken });
      expect(mixed.status).toBe(200);
      chirp.remember(pairOf(mixed));
      const who = await chirp.me(pairOf(mixed).accessToken);
      expect((who.body as { id: string }).id).toBe(chirp.ids.alice);
      expect((await chirp.me(bob.accessToken)).status).toBe(200);
    });
  }

  itKeepsSecretsOutOfTheLog(chirp);
});
