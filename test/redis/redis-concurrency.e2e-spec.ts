import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createClient } from 'redis';
import { SessionModule, SessionService, TokenService, type IssuedTokens } from '../../lib/index.js';
import { RedisSessionStore } from '../../lib/redis/redis-session.store.js';
import { serviceAvailable } from '../support/services.js';

type Client = ReturnType<typeof createClient>;

interface Instance {
  readonly client: Client;
  readonly store: RedisSessionStore;
  readonly app: INestApplication;
  readonly tokens: TokenService;
  readonly sessions: SessionService;
}

const LOGINS = 50;
const sorted = (values: readonly string[]) => [...values].sort();

const describeOnRedis = serviceAvailable('redis') ? describe : describe.skip;

describeOnRedis('RedisSessionStore shared by two instances (127.0.0.1:6379)', () => {
  const keyPrefix = `cc${randomBytes(4).toString('hex')}`;
  const instances: Instance[] = [];
  const userId = 'alice';

  /** The second instance sends pointer writes itself, as on a cluster: both layouts agree. */
  async function instance(singleRoundTrip: boolean): Promise<Instance> {
    const client: Client = createClient({
      url: 'redis://127.0.0.1:6379',
      disableOfflineQueue: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    const store = new RedisSessionStore(client, { keyPrefix, singleRoundTrip });
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ store, sweepInterval: 0 })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { client, store, app, tokens: app.get(TokenService), sessions: app.get(SessionService) };
  }

  beforeAll(async () => {
    instances.push(await instance(true), await instance(false));
  });

  afterAll(async () => {
    for (const { app, client } of instances) {
      await app.close();
      for await (const keys of client.scanIterator({ MATCH: `${keyPrefix}:*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.close();
    }
  });

  /** Both instances list exactly `ids` as the user's live sessions. */
  async function expectListed(ids: readonly string[]): Promise<void> {
    for (const { sessions } of instances) {
      expect(sorted((await sessions.list(userId)).map((s) => s.id))).toEqual(sorted(ids));
    }
  }

  /** Which of `accessTokens` each instance accepts, as session ids. */
  async function accepted(accessTokens: readonly string[]): Promise<string[][]> {
    return Promise.all(
      instances.map(async ({ tokens }) => {
        const principals = await Promise.all(accessTokens.map((t) => tokens.verify(t)));
        return sorted(principals.flatMap((p) => (p ? [p.sessionId] : [])));
      }),
    );
  }

  it('keeps listing and revoke-all exact under 50 parallel logins and refreshes', async () => {
    const [a, b] = instances;
    const logins = await Promise.all(
      Array.from({ length: LOGINS }, (_, i) =>
        instances[i % 2].tokens.issue(
          { userId, permissions: ['posts:read'] },
          { userAgent: `tab-${i}` },
        ),
      ),
    );
    const ids = logins.map((l) => l.sessionId);
    expect(new Set(ids).size).toBe(LOGINS);
    await expectListed(ids);

    // Every refresh token is presented to both instances at once (two tabs racing): one
    // rotates, the other gets the same successor pair within the grace window.
    const raced = await Promise.all(
      logins.map((l) =>
        Promise.all([a.tokens.refresh(l.refreshToken), b.tokens.refresh(l.refreshToken)]),
      ),
    );
    const refreshed: IssuedTokens[] = [];
    for (const [first, second] of raced) {
      expect(first).not.toBeNull();
      expect(second).toEqual(first);
      refreshed.push(first!);
    }
    expect(refreshed.map((r) => r.sessionId)).toEqual(ids);
    await expectListed(ids);
    expect(await accepted(refreshed.map((r) => r.accessToken))).toEqual([sorted(ids), sorted(ids)]);
    expect(await accepted(logins.map((l) => l.accessToken))).toEqual([[], []]);

    // Log out everywhere but the first tab, while the others refresh once more.
    const keep = ids[0];
    const [, again] = await Promise.all([
      a.sessions.revokeAll(userId, { except: keep }),
      Promise.all(
        refreshed.slice(1).map((r, i) => instances[i % 2].tokens.refresh(r.refreshToken)),
      ),
    ]);
    await expectListed([keep]);
    const everyAccess = [
      ...refreshed.map((r) => r.accessToken),
      ...again.flatMap((r) => (r ? [r.accessToken] : [])),
    ];
    expect(await accepted(everyAccess)).toEqual([[keep], [keep]]);

    // Stored until swept: all 50, then exactly the kept one.
    expect((await a.store.listByUser(userId)).sessions).toHaveLength(LOGINS);
    expect(await b.store.deleteExpired(Date.now())).toBe(LOGINS - 1);
    expect((await a.store.listByUser(userId)).sessions.map((s) => s.id)).toEqual([keep]);

    // Logins racing a revoke-all: whichever survive, the listing says exactly which.
    const [late] = await Promise.all([
      Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          instances[i % 2].tokens.issue({ userId, permissions: ['posts:read'] }),
        ),
      ),
      b.sessions.revokeAll(userId),
    ]);
    const survivors = await accepted(late.map((l) => l.accessToken));
    expect(survivors[0]).toEqual(survivors[1]);
    await expectListed(survivors[0]);

    await a.sessions.revokeAll(userId);
    await expectListed([]);
    expect(await accepted([...late, ...logins].map((l) => l.accessToken))).toEqual([[], []]);
  });
});
