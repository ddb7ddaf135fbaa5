import { describe, expect, it } from '@jest/globals';
import {
  generateOpaqueToken,
  generateSessionId,
  hashToken,
  MemorySessionStore,
  SessionStore,
  type NewSessionRecord,
} from '../../lib/index.js';
import { describeSessionStoreContract } from '../../lib/testing/index.js';

const T0 = 4_102_444_800_000;
const DAY = 86_400_000;

describeSessionStoreContract('MemorySessionStore', () => {
  const store = new MemorySessionStore();
  return Promise.resolve({ store, teardown: () => store.close() });
});

/** A new session built from raw tokens, as the token services do, with the raw tokens. */
function issue(userId: string, expiresAt = T0 + DAY) {
  const accessToken = generateOpaqueToken();
  const refreshToken = generateOpaqueToken();
  const record: NewSessionRecord = {
    id: generateSessionId(),
    userId,
    accessHash: hashToken(accessToken),
    refreshHash: hashToken(refreshToken),
    previousRefreshHash: null,
    rotatedAt: null,
    successor: null,
    createdAt: T0,
    lastActiveAt: T0,
    expiresAt,
    userAgent: 'curl/8.5.0',
    ip: '198.51.100.4',
  };
  return { record, accessToken, refreshToken };
}

const OPTIONS = { permissions: ['posts:read'], maxSessions: null, now: T0 };

describe('MemorySessionStore', () => {
  it('is a local SessionStore', () => {
    const store = new MemorySessionStore();
    expect(store).toBeInstanceOf(SessionStore);
    expect(store.local).toBe(true);
  });

  it('counts sessions in size, back to 0 once deleteExpired has removed them all', async () => {
    const store = new MemorySessionStore();
    expect(store.size).toBe(0);
    const first = issue('alice', T0 + DAY);
    const second = issue('alice', T0 + 2 * DAY);
    const third = issue('bob', T0 + 3 * DAY);
    for (const { record } of [first, second, third]) await store.create(record, OPTIONS);
    await store.rotate(first.record.id, first.record.refreshHash, {
      accessHash: hashToken(generateOpaqueToken()),
      refreshHash: hashToken(generateOpaqueToken()),
      successor: 'sealed',
      rotatedAt: T0 + 1,
    });
    expect(store.size).toBe(3);

    expect(await store.deleteExpired(T0 + DAY)).toBe(1);
    expect(store.size).toBe(2);
    expect(await store.deleteExpired(T0 + 3 * DAY)).toBe(2);
    expect(store.size).toBe(0);

    await store.create(issue('carol').record, OPTIONS);
    await store.create(issue('dave').record, OPTIONS);
    expect(store.size).toBe(2);
    await store.clear();
    expect(store.size).toBe(0);
  });

  it('refuses malformed, stored or repeated hashes before writing anything', async () => {
    const store = new MemorySessionStore();
    const kept = issue('alice');
    await store.create(kept.record, OPTIONS);
    const fresh = issue('alice').record;
    const refused: NewSessionRecord[] = [
      { ...fresh, accessHash: fresh.accessHash!.toUpperCase() },
      { ...fresh, refreshHash: 'not-a-hash' },
      { ...fresh, accessHash: kept.record.accessHash },
      { ...fresh, previousRefreshHash: kept.record.refreshHash },
      { ...fresh, refreshHash: fresh.accessHash! },
    ];
    for (const record of refused) {
      await expect(store.create(record, OPTIONS)).rejects.toThrow(/hex SHA-256|already stored/);
    }
    const next = hashToken(generateOpaqueToken());
    const rotation = { accessHash: next, refreshHash: next, successor: 's', rotatedAt: T0 + 1 };
    await expect(store.rotate(kept.record.id, kept.record.refreshHash, rotation)).rejects.toThrow(
      /already stored/,
    );

    // Nothing of the refused calls was written: the kept session is whole and alone.
    expect(store.size).toBe(1);
    expect((await store.findByAccessHash(kept.record.accessHash!))?.session.id).toBe(
      kept.record.id,
    );
    expect(
      (await store.findByRefreshHash(kept.record.refreshHash))?.session.previousRefreshHash,
    ).toBeNull();
    expect(await store.findByAccessHash(fresh.accessHash!)).toBeNull();
    expect(await store.findByAccessHash(next)).toBeNull();
    expect((await store.listByUser('alice')).sessions).toHaveLength(1);
    // And the store still works.
    await store.create(fresh, OPTIONS);
    expect(store.size).toBe(2);
  });

  it('never holds a raw token, as key or as value', async () => {
    const store = new MemorySessionStore();
    const raw: string[] = [];
    const hashes: string[] = [];
    for (const userId of ['alice', 'alice', 'bob']) {
      const issued = issue(userId);
      raw.push(issued.accessToken, issued.refreshToken);
      await store.create(issued.record, OPTIONS);
      let current = issued.record.refreshHash;
      for (let i = 1; i <= 2; i++) {
        const accessToken = generateOpaqueToken();
        const refreshToken = generateOpaqueToken();
        raw.push(accessToken, refreshToken);
        hashes.push(hashToken(accessToken), hashToken(refreshToken));
        await store.rotate(issued.record.id, current, {
          accessHash: hashToken(accessToken),
          refreshHash: hashToken(refreshToken),
          successor: 'sealed-blob',
          rotatedAt: T0 + i,
        });
        current = hashToken(refreshToken);
      }
    }

    const answers = JSON.stringify([
      await store.listByUser('alice'),
      await store.listByUser('bob'),
      ...(await Promise.all(hashes.map((hash) => store.findByAccessHash(hash)))),
      ...(await Promise.all(hashes.map((hash) => store.findByRefreshHash(hash)))),
    ]);
    // Everything the store holds: strings as they are, Map keys included, and its byte
    // arrays as hex (that is where token hashes live, as 32 raw bytes each).
    const dump = heldText(store);
    for (const text of [answers, dump]) {
      // Both views do show token material (as hashes), so the check below can fail.
      expect(text).toContain(hashes[hashes.length - 1]);
      for (const token of raw) expect(text).not.toContain(token);
    }
    // A spent refresh hash is kept (for reuse detection), so the dump shows it.
    expect(dump).toContain(hashes[1]);
    // Nor the raw tokens' bytes, in case a store kept them decoded.
    for (const token of raw) {
      expect(dump).not.toContain(Buffer.from(token, 'base64url').toString('hex'));
    }
  });
});

/**
 * Every string reachable from `root` (Map and Set entries too), and every byte array as
 * lowercase hex, joined: what a heap dump of the store would show.
 */
function heldText(root: unknown): string {
  const seen = new Set<unknown>();
  const parts: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'));
    } else if (value instanceof Map) {
      for (const [key, entry] of value) [key, entry].forEach(visit);
    } else if (value instanceof Set || Array.isArray(value)) {
      for (const entry of value) visit(entry);
    } else {
      for (const entry of Object.values(value)) visit(entry);
    }
  };
  visit(root);
  return parts.join('\n');
}
