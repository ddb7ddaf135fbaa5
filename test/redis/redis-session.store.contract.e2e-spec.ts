import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from 'redis';
import {
  generateOpaqueToken,
  generateSessionId,
  hashToken,
  SessionConfigurationError,
  type NewSessionRecord,
  type RevocationNotice,
} from '../../lib/index.js';
import { encodeId, packHash } from '../../lib/redis/redis-keys.js';
import { RedisSessionStore } from '../../lib/redis/redis-session.store.js';
import { describeSessionStoreContract } from '../../lib/testing/index.js';
import { serviceAvailable } from '../support/services.js';

type Client = ReturnType<typeof createClient>;

/** Deletes every key under `prefix` (the Redis on 6379 is shared: never FLUSH it). */
async function dropPrefix(client: Client, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
    if (keys.length > 0) await client.del(keys);
  }
}

async function keysUnder(client: Client, prefix: string): Promise<string[]> {
  const all: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
    all.push(...keys);
  }
  return all;
}

/** A session of `userId` ending in a minute (real time), and its raw tokens. */
function session(userId: string): { record: NewSessionRecord; raw: string[] } {
  const access = generateOpaqueToken();
  const refresh = generateOpaqueToken();
  const now = Date.now();
  return {
    raw: [access, refresh],
    record: {
      id: generateSessionId(),
      userId,
      accessHash: hashToken(access),
      refreshHash: hashToken(refresh),
      previousRefreshHash: null,
      rotatedAt: null,
      successor: null,
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + 60_000,
      userAgent: 'jest',
      ip: '127.0.0.1',
    },
  };
}

const describeOnRedis = serviceAvailable('redis') ? describe : describe.skip;

describeOnRedis('RedisSessionStore on 127.0.0.1:6379', () => {
  let client: Client;
  const run = `t${randomBytes(4).toString('hex')}`;
  let tests = 0;
  const nextPrefix = () => `${run}:${++tests}`;

  beforeAll(async () => {
    client = createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
  });

  afterAll(async () => {
    await dropPrefix(client, run);
    await client?.close();
  });

  describeSessionStoreContract('RedisSessionStore (standalone)', () => {
    // A fresh prefix per test is an empty store; its keys are deleted after the test.
    const keyPrefix = nextPrefix();
    const store = new RedisSessionStore(client, { keyPrefix });
    return Promise.resolve({ store, teardown: () => dropPrefix(client, keyPrefix) });
  });

  it('puts a TTL on every key it writes and stores no raw token', async () => {
    const keyPrefix = nextPrefix();
    const store = new RedisSessionStore(client, { keyPrefix });
    const raw: string[] = [];
    const userId = 'a{b}c d';
    const { record, raw: tokens } = session(userId);
    raw.push(...tokens);
    await store.create(record, { permissions: ['posts:read'], maxSessions: null, now: Date.now() });
    let expected = record.refreshHash;
    for (let i = 0; i < 3; i++) {
      const [access, refresh] = [generateOpaqueToken(), generateOpaqueToken()];
      raw.push(access, refresh);
      const rotation = {
        accessHash: hashToken(access),
        refreshHash: hashToken(refresh),
        successor: randomBytes(120).toString('base64url'),
        rotatedAt: Date.now(),
      };
      expect(await store.rotate(record.id, expected, rotation)).toBe(true);
      expected = rotation.refreshHash;
    }
    await store.revokeAll(userId, record.id);
    await store.publishRevocation({
      kind: 'session',
      id: generateSessionId(),
      sessionId: record.id,
      userId,
      at: Date.now(),
      expiresAt: Date.now() + 60_000,
    });

    const keys = await keysUnder(client, keyPrefix);
    // Session, spent-hash set, subject, index, registry, 2 notice sets; pointers: the id,
    // the current access hash (rotated-away ones are deleted), all 4 refresh hashes.
    expect(keys).toHaveLength(7 + 1 + 1 + 4);
    const dump: string[] = [];
    for (const key of keys) {
      expect(await client.pTTL(key)).toBeGreaterThan(0);
      const type = await client.type(key);
      const value =
        type === 'string'
          ? await client.get(key)
          : type === 'set'
            ? await client.sMembers(key)
            : type === 'zset'
              ? await client.zRange(key, 0, -1)
              : await client.hGetAll(key);
      dump.push(key, JSON.stringify(value));
    }
    const everything = dump.join('\n');
    for (const token of raw) expect(everything).not.toContain(token);
  });

  it('resolves a pointer whose hash is no longer the session’s to nothing', async () => {
    const store = new RedisSessionStore(client, { keyPrefix: nextPrefix() });
    const { record } = session('alice');
    await store.create(record, { permissions: [], maxSessions: null, now: Date.now() });
    const owner = `${encodeId(record.id)} ${encodeId(record.userId)}`;
    const forged = hashToken(generateOpaqueToken());
    for (const kind of ['a', 'r']) {
      await client.set(`${run}:${tests}:${kind}:${packHash(forged)}`, owner, { PX: 60_000 });
    }
    expect(await store.findByAccessHash(forged)).toBeNull();
    expect(await store.findByRefreshHash(forged)).toBeNull();
    expect((await store.findByAccessHash(record.accessHash!))?.session.id).toBe(record.id);
  });

  it('publishes revocation notices on <prefix>:revocations', async () => {
    const keyPrefix = nextPrefix();
    const store = new RedisSessionStore(client, { keyPrefix });
    const subscriber = client.duplicate();
    subscriber.on('error', () => undefined);
    await subscriber.connect();
    try {
      let deliver: (message: string) => void = () => undefined;
      const received = new Promise<string>((resolve) => (deliver = resolve));
      await subscriber.subscribe(`${keyPrefix}:revocations`, (message) => deliver(message));
      const notice: RevocationNotice = {
        kind: 'all',
        id: generateSessionId(),
        at: Date.now(),
        expiresAt: Date.now() + 60_000,
      };
      await store.publishRevocation(notice);
      expect(JSON.parse(await received)).toEqual(notice);
    } finally {
      await subscriber.close();
    }
  });

  it('refuses a key prefix that could break its hash tags, and nonsensical numbers', () => {
    for (const keyPrefix of ['a{b', 'a}b', '', 'with space']) {
      expect(() => new RedisSessionStore(client, { keyPrefix })).toThrow(/keyPrefix/);
    }
    for (const options of [{ commandTimeout: 0 }, { ownerCacheSize: -1 }, { sweepBudget: NaN }]) {
      expect(() => new RedisSessionStore(client, options)).toThrow(SessionConfigurationError);
    }
    expect(() => new RedisSessionStore(client, { keyPrefix: 'my-app:sessions' })).not.toThrow();
  });
});
