import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import {
  ManualClock,
  SESSION_ENTITIES,
  SESSION_MIGRATIONS,
  TypeOrmSessionStore,
  type JwtStrategyOptions,
} from 'nest-sessions';
import {
  createTestDatabase,
  describeOnDialect,
  type SqlDialect,
  type TestDatabase,
} from '../support/databases.js';
import { flipEcdsaS, malleableVariants } from '../support/jwt/forge.js';
import { createJwtApp, expectRejected, type JwtTestApp } from '../support/jwt/jwt-app.js';

// Revocation of value tokens across two instances (two Nest apps, each with its own
// DataSource on one database). The instance that revokes refuses at once; the other one
// after it reads the notices (syncRevocations(), called here instead of waiting for the
// poll, which is off: revocationPollInterval 0). ES256, so that malleable signature
// encodings (S25) really are accepted by the signature check and only revocation stops them.

const START = Date.UTC(2026, 0, 1);
const TTL = 5 * 60_000;
const WRITER = ['post:create', 'post:read'];
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** Where the two instances' DataSources point: a SQLite file, or a throwaway PostgreSQL database. */
async function sharedDatabase(
  dialect: SqlDialect,
): Promise<{ options: DataSourceOptions; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ns-jwt-'));
    return {
      options: { type: 'better-sqlite3', database: join(dir, 'sessions.sqlite') },
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const database: TestDatabase = await createTestDatabase(dialect);
  return database;
}

describe.each(['sqlite', 'postgres'] as const)('value-token revocation on %s', (dialect) => {
  describeOnDialect(dialect)('across two instances', () => {
    const clock = new ManualClock(START);
    const dataSources: DataSource[] = [];
    const apps: JwtTestApp[] = [];
    let database: { drop(): Promise<void> };
    let a: JwtTestApp;
    let b: JwtTestApp;

    async function instance(
      options: DataSourceOptions,
      migrate: boolean,
      jwt: Partial<JwtStrategyOptions> = {},
    ) {
      const dataSource = new DataSource({
        ...options,
        entities: SESSION_ENTITIES,
        migrations: SESSION_MIGRATIONS,
        migrationsRun: migrate,
      });
      await dataSource.initialize();
      dataSources.push(dataSource);
      const app = await createJwtApp({
        clock,
        store: new TypeOrmSessionStore(dataSource),
        refreshGracePeriod: 0,
        maxSessionsPerUser: 3,
        jwt: {
          keys: [{ kid: 'es-1', algorithm: 'ES256', privateKey }],
          accessTokenTtl: TTL,
          revocationPollInterval: 0,
          ...jwt,
        },
      });
      apps.push(app);
      return app;
    }

    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const status = async (t: JwtTestApp, token: string, path = '/me') =>
      (await t.http().get(path).set(bearer(token))).status;
    const control = (t: JwtTestApp) => async () => (await t.login('carol', [])).accessToken;
    const rejectOn = (t: JwtTestApp, token: string, users: string[]) =>
      expectRejected(t, token, { users, control: control(t) });

    beforeAll(async () => {
      const shared = await sharedDatabase(dialect);
      database = shared;
      a = await instance(shared.options, true);
      b = await instance(shared.options, false);
    });

    afterAll(async () => {
      for (const app of apps) await app.close();
      for (const dataSource of dataSources) await dataSource.destroy();
      await database?.drop();
    });

    it('logout: refused at once where it happened, at once on fresh routes elsewhere, everywhere after sync', async () => {
      const phone = await a.login('u-logout', WRITER);
      const laptop = await a.login('u-logout', WRITER);
      const out = await a.http().post('/auth/logout').set(bearer(phone.accessToken));
      expect(out.status).toBe(204);
      await rejectOn(a, phone.accessToken, ['u-logout']);
      // The documented window: plain routes on B accept it until B reads the notice ...
      expect(await status(b, phone.accessToken)).toBe(200);
      // ... but a fresh route reads the store and refuses it at once.
      expect(await status(b, phone.accessToken, '/fresh/me')).toBe(401);
      expect(await b.tokens.syncRevocations()).toBeGreaterThanOrEqual(1);
      await rejectOn(b, phone.accessToken, ['u-logout']);
      for (const t of [a, b]) expect(await status(t, laptop.accessToken)).toBe(200);
    });

    it('S25: every encoding of a revoked token’s signature stays revoked on both instances', async () => {
      const victim = await a.login('u-malleable', WRITER);
      const flipped = flipEcdsaS(victim.accessToken);
      const variants = [
        ...malleableVariants(victim.accessToken),
        flipped,
        ...malleableVariants(flipped),
      ];
      expect(variants).toHaveLength(31);
      for (const variant of variants) expect(await status(b, variant)).toBe(200);
      expect(await a.sessions.revoke(victim.sessionId)).toBe(true);
      await b.tokens.syncRevocations();
      for (const t of [a, b]) {
        for (const token of [victim.accessToken, ...variants]) {
          await rejectOn(t, token, ['u-malleable']);
        }
      }
    });

    it('revokeAll (deleted or disabled user, S26): every session of the user, not the others', async () => {
      const one = await a.login('u-all', WRITER);
      const two = await b.login('u-all', WRITER);
      const bystander = await a.login('u-bystander', WRITER);
      await a.sessions.revokeAll('u-all');
      for (const token of [one.accessToken, two.accessToken]) {
        await rejectOn(a, token, ['u-all', 'u-bystander']);
        expect(await status(b, token, '/fresh/me')).toBe(401);
      }
      await b.tokens.syncRevocations();
      for (const token of [one.accessToken, two.accessToken]) {
        await rejectOn(b, token, ['u-all', 'u-bystander']);
      }
      for (const t of [a, b]) expect(await status(t, bystander.accessToken)).toBe(200);
      expect(await a.tokens.refresh(two.refreshToken)).toBeNull();
      expect(await a.sessions.list('u-all')).toEqual([]);
    });

    it('revokeAll keeping one session: the kept one survives on both instances and can refresh', async () => {
      const kept = await a.login('u-keep', WRITER);
      const other = await a.login('u-keep', WRITER);
      await a.sessions.revokeAll('u-keep', { except: kept.sessionId });
      await b.tokens.syncRevocations();
      for (const t of [a, b]) {
        expect(await status(t, kept.accessToken)).toBe(200);
        expect(await status(t, kept.accessToken, '/fresh/me')).toBe(200);
        await rejectOn(t, other.accessToken, ['u-keep']);
      }
      expect((await a.sessions.list('u-keep')).map((s) => s.id)).toEqual([kept.sessionId]);
      const refreshed = await b.tokens.refresh(kept.refreshToken);
      expect(refreshed).not.toBeNull();
      for (const t of [a, b]) expect(await status(t, refreshed!.accessToken)).toBe(200);
      expect(await b.tokens.refresh(other.refreshToken)).toBeNull();
    });

    it('revokeAll keeping the same session twice ("log out other devices" clicked twice) keeps it', async () => {
      const kept = await a.login('u-keep-twice', WRITER);
      const other = await a.login('u-keep-twice', WRITER);
      await a.sessions.revokeAll('u-keep-twice', { except: kept.sessionId });
      await a.sessions.revokeAll('u-keep-twice', { except: kept.sessionId });
      await b.tokens.syncRevocations();
      expect((await a.sessions.list('u-keep-twice')).map((s) => s.id)).toEqual([kept.sessionId]);
      for (const t of [a, b]) {
        expect(await status(t, kept.accessToken, '/fresh/me')).toBe(200);
        expect(await status(t, kept.accessToken)).toBe(200);
        expect(await status(t, other.accessToken)).toBe(401);
      }
    });

    it('refresh-token reuse detected on one instance revokes the family on both', async () => {
      const first = await a.login('u-reuse', WRITER);
      const second = await a.tokens.refresh(first.refreshToken);
      expect(second).not.toBeNull();
      for (const t of [a, b]) expect(await status(t, second!.accessToken)).toBe(200);
      // The spent refresh token comes back, to the other instance, after the grace period.
      clock.advance(1);
      const reused = await b
        .http()
        .post('/auth/refresh')
        .send({ refreshToken: first.refreshToken });
      expect(reused.status).toBe(401);
      // B detected it: refused there at once, on A after sync.
      for (const token of [first.accessToken, second!.accessToken]) {
        await rejectOn(b, token, ['u-reuse']);
      }
      expect(await status(a, second!.accessToken)).toBe(200);
      await a.tokens.syncRevocations();
      for (const token of [first.accessToken, second!.accessToken]) {
        await rejectOn(a, token, ['u-reuse']);
      }
      expect(await a.tokens.refresh(second!.refreshToken)).toBeNull();
    });

    it('eviction beyond maxSessionsPerUser revokes the oldest session’s token on both', async () => {
      const oldest = await a.login('u-evict', WRITER);
      const rest = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(1); // distinct createdAt: "oldest" is well defined
        rest.push(await a.login('u-evict', WRITER));
      }
      await rejectOn(a, oldest.accessToken, ['u-evict']);
      await b.tokens.syncRevocations();
      await rejectOn(b, oldest.accessToken, ['u-evict']);
      for (const t of [a, b]) {
        for (const session of rest) expect(await status(t, session.accessToken)).toBe(200);
      }
    });

    it('@RequireFreshSession: a removed permission holds at once there, elsewhere at refresh', async () => {
      const writer = await a.login('u-perm', WRITER);
      const post = (t: JwtTestApp, path: string, token: string) =>
        t.http().post(path).set(bearer(token));
      await a.sessions.setPermissions('u-perm', ['post:read']);
      for (const t of [a, b]) {
        // Stale embedded permissions, until the token is refreshed or expires (documented).
        expect((await post(t, '/posts', writer.accessToken)).status).toBe(201);
        const fresh = await post(t, '/fresh/posts', writer.accessToken);
        expect(fresh.status).toBe(403);
        expect(fresh.body).toEqual({
          statusCode: 403,
          error: 'Forbidden',
          message: 'Insufficient permission',
        });
      }
      const refreshed = await b.tokens.refresh(writer.refreshToken);
      for (const t of [a, b]) {
        expect((await post(t, '/posts', refreshed!.accessToken)).status).toBe(403);
      }
    });

    it('@RequireFreshSession: a logout on another instance, not yet read, is refused at once', async () => {
      const user = await a.login('u-fresh', WRITER);
      await a.sessions.revoke(user.sessionId);
      expect(await status(b, user.accessToken)).toBe(200);
      const fresh = await b.http().get('/fresh/me').set(bearer(user.accessToken));
      expect(fresh.status).toBe(401);
      expect(fresh.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      await b.tokens.syncRevocations();
      expect(await status(b, user.accessToken)).toBe(401);
    });

    it('revokeEverything: every token of the second refused at once there, elsewhere after sync', async () => {
      const one = await a.login('u-everything', WRITER);
      const two = await b.login('u-everything-2', WRITER);
      await b.sessions.revokeEverything();
      for (const token of [one.accessToken, two.accessToken]) {
        expect(await status(b, token)).toBe(401);
        expect(await status(a, token, '/fresh/me')).toBe(401);
      }
      await a.tokens.syncRevocations();
      for (const token of [one.accessToken, two.accessToken]) {
        expect(await status(a, token)).toBe(401);
      }
      clock.advance(1_000);
      const again = await a.login('u-everything', WRITER);
      for (const t of [a, b]) expect(await status(t, again.accessToken)).toBe(200);
    });

    describe('embedPermissions: false', () => {
      let c: JwtTestApp;
      let d: JwtTestApp;

      beforeAll(async () => {
        const options = dataSources[0].options;
        c = await instance(options, false, { embedPermissions: false });
        d = await instance(options, false, { embedPermissions: false });
      });

      it('reads permissions and liveness from the store: changes hold at once on every instance', async () => {
        const user = await c.login('u-store', WRITER);
        for (const t of [c, d]) {
          expect((await t.http().post('/posts').set(bearer(user.accessToken))).status).toBe(201);
        }
        await c.sessions.setPermissions('u-store', ['post:read']);
        for (const t of [c, d]) {
          expect((await t.http().post('/posts').set(bearer(user.accessToken))).status).toBe(403);
        }
        await c.sessions.revoke(user.sessionId);
        for (const t of [c, d]) await rejectOn(t, user.accessToken, ['u-store']);
      });
    });
  });
});
