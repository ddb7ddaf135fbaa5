import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { PasswordHasher, UserEntity, UserService } from 'nest-sessions';
import type { Response } from 'supertest';
import { expectCleanAnswer, expectGenericError } from './support/expectations.js';
import {
  bearer,
  DEMO_PASSWORD,
  itKeepsSecretsOutOfTheLog,
  pairedConfigs,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist E (S33–S39) except throttling (S37, in e-throttling.e2e-spec.ts): fixation,
// re-authentication, enumeration, password handling and the hygiene of auth answers.
// Login does not depend on the session store's kind beyond creating a session: reference
// tokens on memory and value tokens on SQLite. S36 (timing) is checked structurally, without clocks:
// an unknown user costs the same argon2 verification as a wrong password.

/** Headers that legitimately differ between two answers. */
const VOLATILE = new Set(['date', 'etag', 'connection', 'keep-alive', 'x-request-id']);

function stableHeaders(res: Response): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(res.headers as Record<string, unknown>).filter(([k]) => !VOLATILE.has(k)),
  );
}

describe.each(pairedConfigs())('Security E: login ($name)', (config) => {
  const chirp = useSecurityChirp(config);
  let disabled: { username: string; password: string };

  beforeAll(async () => {
    const users = chirp.harness.app.get(UserService);
    disabled = { username: `dis_${randomBytes(4).toString('hex')}`, password: 'disabled-pass-1' };
    chirp.secret(disabled.password);
    const user = await users.register({ ...disabled, permissions: ['posts:like'] });
    await users.setDisabled(user.id, true);
  });

  const login = (body: unknown, headers: Record<string, string> = {}) =>
    chirp.http
      .post('/auth/login')
      .set(headers)
      .send(body as object);

  it('S33: a token chosen by the client before login is never adopted; two logins give two tokens', async () => {
    const fixed = randomBytes(32).toString('base64url');
    const first = await login(
      { username: 'alice', password: DEMO_PASSWORD },
      { Authorization: `Bearer ${fixed}`, Cookie: `__Host-session=${fixed}` },
    );
    const second = await login({ username: 'alice', password: DEMO_PASSWORD });
    expect([first.status, second.status]).toEqual([200, 200]);
    const [a, b] = [first.body as TokenPair, second.body as TokenPair];
    chirp.remember(a);
    chirp.remember(b);
    expect(a.accessToken).not.toBe(fixed);
    expect(a.refreshToken).not.toBe(fixed);
    expect(a.accessToken).not.toBe(b.accessToken);
    expect(a.refreshToken).not.toBe(b.refreshToken);
    await chirp.probe(
      () => chirp.me(fixed),
      (res) => expect(res.status).toBe(401),
    );
  });

  it('S34: logging in again while signed in creates an additional session (documented); the old token is unaffected', async () => {
    const before = await chirp.session('bob');
    const again = await login(
      { username: 'bob', password: DEMO_PASSWORD },
      { Authorization: `Bearer ${before.accessToken}` },
    );
    expect(again.status).toBe(200);
    chirp.remember(again.body as TokenPair);
    expect((again.body as TokenPair).accessToken).not.toBe(before.accessToken);
    expect((await chirp.me(before.accessToken)).status).toBe(200);
    const list = await chirp.http.get('/auth/sessions').set(bearer(before.accessToken));
    expect((list.body as unknown[]).length).toBeGreaterThanOrEqual(2);
  });

  it('S35: unknown user, wrong password, disabled user, case variant: identical status, body and headers', async () => {
    const answers = [
      await login({ username: 'nobody_here', password: 'whatever-pass' }),
      await login({ username: 'alice', password: 'wrong-password' }),
      await login(disabled),
      await login({ username: 'Alice', password: DEMO_PASSWORD }),
      await login({ username: 'ａｌｉｃｅ', password: DEMO_PASSWORD }), // full-width letters
      await login({ username: 'alice\u0000', password: DEMO_PASSWORD }),
    ];
    const reference = answers[1];
    expectGenericError(reference, 401, [DEMO_PASSWORD]);
    expect(reference.headers['set-cookie']).toBeUndefined();
    for (const res of answers) {
      expect({ status: res.status, body: res.text, headers: stableHeaders(res) }).toEqual({
        status: reference.status,
        body: reference.text,
        headers: stableHeaders(reference),
      });
    }
    await chirp.expectServing();
  });

  it('S36: an unknown user costs the same argon2 verification as a wrong password (structural, no timing)', async () => {
    const hasher = chirp.harness.app.get(PasswordHasher);
    // The dummy hash is made at the first unknown-user login; make it before counting.
    expect((await login({ username: 'nobody_warm', password: 'whatever-pass' })).status).toBe(401);
    const verify = jest.spyOn(hasher, 'verify');
    const hash = jest.spyOn(hasher, 'hash');
    try {
      const work = async (body: object) => {
        verify.mockClear();
        hash.mockClear();
        expect((await login(body)).status).toBe(401);
        return { verifications: verify.mock.calls.length, hashes: hash.mock.calls.length };
      };
      const one = { verifications: 1, hashes: 0 };
      expect(await work({ username: 'nobody_here', password: 'whatever-pass' })).toEqual(one);
      expect(await work({ username: 'alice', password: 'wrong-password' })).toEqual(one);
      expect(await work(disabled)).toEqual(one);
      expect(await work({ username: 'NOT A USERNAME', password: 'whatever-pass' })).toEqual(one);
    } finally {
      verify.mockRestore();
      hash.mockRestore();
    }
  });

  describe('S38: password input handling and storage', () => {
    it('S38: no 72-byte truncation: a password differing only after byte 72 does not log in', async () => {
      const username = `long_${randomBytes(4).toString('hex')}`;
      const password = chirp.secret(`${'A'.repeat(72)}1`);
      expect((await chirp.http.post('/auth/register').send({ username, password })).status).toBe(
        201,
      );
      await chirp.probe(
        () => login({ username, password: chirp.secret(`${'A'.repeat(72)}2`) }),
        (res) => expectGenericError(res, 401),
      );
      const ok = await login({ username, password });
      expect(ok.status).toBe(200);
      chirp.remember(ok.body as TokenPair);
    });

    it('S38: a 64-character password works', async () => {
      const username = `p64_${randomBytes(4).toString('hex')}`;
      const password = chirp.secret(randomBytes(48).toString('base64url'));
      expect(password).toHaveLength(64);
      expect((await chirp.http.post('/auth/register').send({ username, password })).status).toBe(
        201,
      );
      const ok = await login({ username, password });
      expect(ok.status).toBe(200);
      chirp.remember(ok.body as TokenPair);
    });

    it('S38: over-long passwords (129 chars, 1 MB) are refused before any hashing (400/413)', async () => {
      const hasher = chirp.harness.app.get(PasswordHasher);
      const hash = jest.spyOn(hasher, 'hash');
      const verify = jest.spyOn(hasher, 'verify');
      const dummy = jest.spyOn(hasher, 'verifyDummy');
      try {
        for (const password of ['x'.repeat(129), 'x'.repeat(1_000_000)]) {
          await chirp.probe(
            () => login({ username: 'alice', password }),
            (res) => expectGenericError(res, [400, 413]),
          );
          await chirp.probe(
            () =>
              chirp.http
                .post('/auth/register')
                .send({ username: `x_${randomBytes(3).toString('hex')}`, password }),
            (res) => expectGenericError(res, [400, 413]),
          );
        }
        expect(hash.mock.calls.length + verify.mock.calls.length + dummy.mock.calls.length).toBe(0);
      } finally {
        hash.mockRestore();
        verify.mockRestore();
        dummy.mockRestore();
      }
    });

    it.each([[12345678], [['chirp-demo-password']], [{ $ne: null }], [null], [true]])(
      'S38: a password of the wrong type (%j) → 400',
      async (password) => {
        await chirp.probe(
          () => login({ username: 'alice', password }),
          (res) => expectGenericError(res, 400),
        );
      },
    );

    it('S38: stored hashes are argon2id (m ≥ 19456 KiB, t ≥ 2, p = 1) with unique salts', async () => {
      const rows = await chirp.harness.dataSource.getRepository(UserEntity).find();
      const salts = new Set<string>();
      for (const row of rows) {
        const [, algorithm, version, params, salt] = row.passwordHash.split('$');
        expect({ algorithm, version }).toEqual({ algorithm: 'argon2id', version: 'v=19' });
        const cost = Object.fromEntries(
          params.split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]),
        );
        expect(cost.m).toBeGreaterThanOrEqual(19_456);
        expect(cost.t).toBeGreaterThanOrEqual(2);
        expect(cost.p).toBe(1);
        salts.add(salt);
      }
      expect(salts.size).toBe(rows.length); // alice and bob share a password, not a salt
    });
  });

  it('S39: auth answers are no-store, carry no Location, and no JSON leaks hashes, salts or other users', async () => {
    const first = await login({ username: 'alice', password: DEMO_PASSWORD });
    const pair = first.body as TokenPair;
    chirp.remember(pair);
    const refreshed = await chirp.refresh(pair.refreshToken);
    for (const res of [first, refreshed]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.location).toBeUndefined();
      expect(Object.keys(res.body as object).sort()).toEqual(
        ['accessToken', 'expiresIn', 'refreshToken', 'tokenType'].sort(),
      );
    }
    const token = (refreshed.body as TokenPair).accessToken;
    const me = await chirp.me(token);
    expect(Object.keys(me.body as object).sort()).toEqual(
      ['displayName', 'id', 'permissions', 'username'].sort(),
    );
    const sessions = await chirp.http.get('/auth/sessions').set(bearer(token));
    for (const entry of sessions.body as Array<Record<string, unknown>>) {
      expect(Object.keys(entry).sort()).toEqual(
        ['createdAt', 'current', 'expiresAt', 'id', 'ip', 'lastActiveAt', 'userAgent'].sort(),
      );
    }
    const admin = await chirp.session('admin');
    const users = await chirp.http.get('/admin/users').set(bearer(admin.accessToken));
    expect(users.status).toBe(200);
    for (const res of [me, sessions, users]) {
      expectCleanAnswer(res, [
        token,
        pair.refreshToken,
        (refreshed.body as TokenPair).refreshToken,
      ]);
      expect(res.text).not.toMatch(/argon2|passwordHash|password_hash|refreshHash|accessHash/i);
      expect(res.text).not.toMatch(/[0-9a-f]{64}/); // no token hash
    }
  });

  itKeepsSecretsOutOfTheLog(chirp);
});
