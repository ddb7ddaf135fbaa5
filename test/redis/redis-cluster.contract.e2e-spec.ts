import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createCluster } from 'redis';
import {
  generateOpaqueToken,
  generateSessionId,
  hashToken,
  type RevocationNotice,
} from '../../lib/index.js';
import { RedisSessionStore } from '../../lib/redis/redis-session.store.js';
import { describeSessionStoreContract } from '../../lib/testing/index.js';
import { RedisClusterProcess, redisServerSuite, waitFor } from '../support/redis-server.js';

const installed = redisServerSuite('Redis Cluster suite');

type Cluster = ReturnType<typeof createCluster>;

(installed ? describe : describe.skip)(
  'RedisSessionStore on a local 3-master Redis Cluster',
  () => {
    let cluster: RedisClusterProcess | undefined;
    let client: Cluster;
    let tests = 0;
    const run = `c${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      cluster = await RedisClusterProcess.start(3);
      client = createCluster({
        rootNodes: cluster.urls.map((url) => ({ url })),
        defaults: { disableOfflineQueue: true, socket: { connectTimeout: 1_000 } },
      });
      client.on('error', () => undefined);
      await client.connect();
    }, 60_000);

    const stores: RedisSessionStore[] = [];

    afterAll(async () => {
      for (const store of stores) await store.close();
      await client?.close().catch(() => client.destroy());
      await cluster?.destroy();
    });

    describeSessionStoreContract('RedisSessionStore (cluster)', () => {
      // A fresh prefix per test is an empty store; the cluster is thrown away in afterAll.
      const store = new RedisSessionStore(client, { keyPrefix: `${run}:${++tests}` });
      return Promise.resolve({ store, teardown: () => store.close() });
    });

    it('pushes revocation notices to a watch (pub/sub on a duplicate of the cluster client)', async () => {
      const keyPrefix = `${run}:push`;
      const publisher = new RedisSessionStore(client, { keyPrefix });
      const watcher = new RedisSessionStore(client, { keyPrefix });
      stores.push(publisher, watcher);
      const received: RevocationNotice[] = [];
      const watch = watcher.watchRevocations((notice) => received.push(notice));
      expect(watch).not.toBeNull();
      // The watch subscribes in the background: publish until a notice comes through.
      const sent: RevocationNotice[] = [];
      await waitFor('a pushed notice', async () => {
        const at = Date.now();
        const notice: RevocationNotice = {
          kind: 'user',
          id: randomUUID(),
          userId: '{evil}',
          epoch: sent.length + 1,
          keepSessionId: null,
          at,
          expiresAt: at + 60_000,
        };
        sent.push(notice);
        await publisher.publishRevocation(notice);
        return received.length > 0;
      });
      expect(sent).toContainEqual(received[0]);
      await watch!.close();
      await watch!.close();
    });

    it('spreads users over every master and keeps odd user ids in one slot each', async () => {
      // A store owning its cluster client, as `fromUrl` builds it; it connects in the background.
      const store = RedisSessionStore.fromUrl(cluster!.urls, { keyPrefix: `${run}:spread` });
      stores.push(store);
      await waitFor('the store to reach the cluster', () =>
        store.ping().then(
          () => true,
          () => false,
        ),
      );
      const now = Date.now();
      const users = [
        '{evil}',
        'a}b{c',
        'with space',
        'ünïcødé',
        ...Array.from({ length: 12 }, (_, i) => `user-${i}`),
      ];
      for (const userId of users) {
        const access = hashToken(generateOpaqueToken());
        const id = generateSessionId();
        await store.create(
          {
            id,
            userId,
            accessHash: access,
            refreshHash: hashToken(generateOpaqueToken()),
            previousRefreshHash: null,
            rotatedAt: null,
            successor: null,
            createdAt: now,
            lastActiveAt: now,
            expiresAt: now + 60_000,
            userAgent: null,
            ip: null,
          },
          { permissions: ['posts:read'], maxSessions: 1, now },
        );
        // Multi-key scripts would fail with CROSSSLOT if an id could break the hash tag.
        expect((await store.findByAccessHash(access))?.session.userId).toBe(userId);
        expect((await store.listByUser(userId)).sessions.map((s) => s.id)).toEqual([id]);
        expect(await store.revokeAll(userId, id)).toBe(1);
      }
      const holding = await Promise.all(
        client.masters.map(async (master) => {
          const node = await client.nodeClient(master);
          const [, keys] = await node.sendCommand<[string, string[]]>([
            'SCAN',
            '0',
            'MATCH',
            `${run}:spread:{u:*}:j`,
            'COUNT',
            '100000',
          ]);
          return keys.length;
        }),
      );
      expect(holding.reduce((a, b) => a + b, 0)).toBe(users.length);
      expect(holding.filter((keys) => keys > 0)).toHaveLength(3);
    });
  },
);
