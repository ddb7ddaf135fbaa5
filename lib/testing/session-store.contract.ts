import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  generateOpaqueToken,
  generateSessionId,
  hashToken,
  isSessionLive,
  type CreateSessionOptions,
  type NewSessionRecord,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
  type SubjectRecord,
  type RevocationNotice,
} from '../index.js';

/** A fresh, empty store for one test of the contract, and how to dispose of it. */
export interface StoreFixture {
  /** The store under test. It must hold no session and no subject when handed over. */
  readonly store: SessionStore;
  /** Releases whatever the setup opened (connections, databases, timers). Runs after every test. */
  teardown(): Promise<void>;
}

/**
 * The suite's "now", in ms since the Unix epoch: 2100-01-01T00:00:00Z. It lies in the
 * future on purpose, so stores with native TTLs (Redis `PEXPIREAT`) keep every key for the
 * whole run; stores judge expiry only by the explicit `now` they are given.
 */
const T0 = 4_102_444_800_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Absolute lifetime of the sessions built here (ms). */
const LIFETIME = 30 * DAY;
const PERMISSIONS: readonly string[] = ['posts:read', 'posts:like'];

/** A new session with a reference access token (so its access hash is a string). */
type ReferenceSession = NewSessionRecord & { readonly accessHash: string };

/** A rotation with a reference access token (so its access hash is a string). */
interface ReferenceRotation {
  readonly accessHash: string;
  readonly refreshHash: string;
  readonly successor: string;
  readonly rotatedAt: number;
}

function newHash(): string {
  return hashToken(generateOpaqueToken());
}

function newUserId(name: string): string {
  return `${name}-${generateSessionId()}`;
}

function sessionFor(
  userId: string,
  overrides: Partial<Omit<NewSessionRecord, 'accessHash' | 'userId'>> = {},
): ReferenceSession {
  return {
    id: generateSessionId(),
    userId,
    accessHash: newHash(),
    refreshHash: newHash(),
    previousRefreshHash: null,
    rotatedAt: null,
    successor: null,
    createdAt: T0,
    lastActiveAt: T0,
    expiresAt: T0 + LIFETIME,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
    ip: '203.0.113.7',
    ...overrides,
  };
}

function rotationAt(rotatedAt: number): ReferenceRotation {
  return {
    accessHash: newHash(),
    refreshHash: newHash(),
    // The real successor is an AES-GCM blob in base64url of about this length.
    successor: randomBytes(120).toString('base64url'),
    rotatedAt,
  };
}

function optionsAt(overrides: Partial<CreateSessionOptions> = {}): CreateSessionOptions {
  return { permissions: PERMISSIONS, maxSessions: null, now: T0, ...overrides };
}

/** The record a store must hold for `record` after `rotation` (and `epoch`). */
function rotated(
  record: NewSessionRecord,
  rotation: ReferenceRotation | (Omit<ReferenceRotation, 'accessHash'> & { accessHash: null }),
  epoch = 0,
): SessionRecord {
  return {
    ...record,
    epoch,
    accessHash: rotation.accessHash,
    refreshHash: rotation.refreshHash,
    previousRefreshHash: record.refreshHash,
    rotatedAt: rotation.rotatedAt,
    successor: rotation.successor,
    lastActiveAt: rotation.rotatedAt,
  };
}

function sortedStrings(values: readonly string[]): string[] {
  return [...values].sort();
}

function sortedById(sessions: readonly SessionRecord[]): SessionRecord[] {
  return [...sessions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Permissions are a set: compared without regard to order (a Redis set need not keep it). */
function expectSubject(
  subject: SubjectRecord | null,
  userId: string,
  permissions: readonly string[],
): SubjectRecord {
  expect(subject).not.toBeNull();
  const actual = subject as SubjectRecord;
  expect(actual.userId).toBe(userId);
  expect(sortedStrings(actual.permissions)).toEqual(sortedStrings(permissions));
  expect(typeof actual.epoch).toBe('number');
  return actual;
}

/** Every time is a number (not a string or Date, as some SQL drivers return `bigint`). */
function expectNumericTimes(session: SessionRecord): void {
  for (const value of [session.createdAt, session.lastActiveAt, session.expiresAt, session.epoch]) {
    expect(typeof value).toBe('number');
  }
  if (session.rotatedAt !== null) expect(typeof session.rotatedAt).toBe('number');
}

/**
 * Declares the conformance suite every {@link SessionStore} must pass: lookups, rotation
 * (compare-and-swap, also under concurrency), revocation by epoch, listing, permissions,
 * eviction, sweeping and clearing. It uses only the public `SessionStore` API, so any
 * store (including third-party ones) can run it.
 *
 * @param name shown in the suite's title, e.g. `'TypeOrmSessionStore (postgres)'`.
 * @param setup called before every test; resolves to a fresh, empty store and its teardown,
 * which runs after the test.
 *
 * @example
 * describeSessionStoreContract('MemorySessionStore', async () => {
 *   const store = new MemorySessionStore();
 *   return { store, teardown: () => store.close() };
 * });
 */
export function describeSessionStoreContract(
  name: string,
  setup: () => Promise<StoreFixture>,
): void {
  describe(`SessionStore contract: ${name}`, () => {
    let fixture: StoreFixture | undefined;
    let store: SessionStore;

    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
    });

    afterEach(async () => {
      const done = fixture;
      fixture = undefined;
      await done?.teardown();
    });

    async function add<T extends NewSessionRecord>(
      record: T,
      options: Partial<CreateSessionOptions> = {},
    ): Promise<T> {
      await store.create(record, optionsAt(options));
      return record;
    }

    async function mustFind(sessionId: string): Promise<StoredSession> {
      const found = await store.findById(sessionId);
      expect(found).not.toBeNull();
      return found as StoredSession;
    }

    async function liveness(sessionIds: readonly string[], now = T0): Promise<boolean[]> {
      const result: boolean[] = [];
      for (const id of sessionIds) result.push(isSessionLive(await mustFind(id), now));
      return result;
    }

    /** The session and every token hash of it resolve to nothing. */
    async function expectGone(
      sessionId: string,
      accessHashes: readonly (string | null)[],
      refreshHashes: readonly string[],
    ): Promise<void> {
      expect(await store.findById(sessionId)).toBeNull();
      for (const hash of accessHashes) {
        if (hash !== null) expect(await store.findByAccessHash(hash)).toBeNull();
      }
      for (const hash of refreshHashes) expect(await store.findByRefreshHash(hash)).toBeNull();
    }

    describe('create and lookups', () => {
      it('finds a new session by access hash, refresh hash and id, fields intact', async () => {
        const userId = newUserId('alice');
        const record = sessionFor(userId);
        expect(await store.create(record, optionsAt())).toEqual({ epoch: 0, evicted: [] });

        const lookups = [
          await store.findByAccessHash(record.accessHash),
          await store.findByRefreshHash(record.refreshHash),
          await store.findById(record.id),
        ];
        for (const found of lookups) {
          expect(found).not.toBeNull();
          const { session, subject } = found as StoredSession;
          expect(session).toEqual({ ...record, epoch: 0 });
          expectNumericTimes(session);
          expect(session.previousRefreshHash).toBeNull();
          expect(session.rotatedAt).toBeNull();
          expect(session.successor).toBeNull();
          expect(expectSubject(subject, userId, PERMISSIONS).epoch).toBe(0);
          expect(session.epoch).toBe(subject.epoch);
        }
      });

      it('keeps null client details as null and edge-length values intact', async () => {
        const anonymous = await add(sessionFor(newUserId('bob'), { userAgent: null, ip: null }));
        const anon = (await mustFind(anonymous.id)).session;
        expect(anon.userAgent).toBeNull();
        expect(anon.ip).toBeNull();

        // Longest values the library writes: 255-character user ids, user agents truncated
        // to 256 characters, IPs up to 64 (an IPv4-mapped IPv6 address is 45).
        const longUser = `u${'x'.repeat(254)}`;
        const wide = await add(
          sessionFor(longUser, {
            userAgent: 'A'.repeat(250) + '/1.0 ;',
            ip: 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255',
            createdAt: T0 - 7,
            lastActiveAt: T0 + 13,
            expiresAt: T0 + LIFETIME + 1,
          }),
        );
        const { session, subject } = await mustFind(wide.id);
        expect(session).toEqual({ ...wide, epoch: 0 });
        expect(session.userAgent).toHaveLength(256);
        expectSubject(subject, longUser, PERMISSIONS);
        expectNumericTimes(session);
      });

      it('stores value-token sessions, whose access hash is null, side by side', async () => {
        const userId = newUserId('carol');
        const first = await add({ ...sessionFor(userId), accessHash: null });
        const second = await add({ ...sessionFor(userId), accessHash: null });
        const other = await add({ ...sessionFor(newUserId('dave')), accessHash: null });

        for (const record of [first, second, other]) {
          for (const found of [
            await store.findById(record.id),
            await store.findByRefreshHash(record.refreshHash),
          ]) {
            expect(found?.session).toEqual({ ...record, epoch: 0 });
          }
        }
        expect(await store.findByAccessHash(newHash())).toBeNull();

        const rotation = { ...rotationAt(T0 + MINUTE), accessHash: null };
        expect(await store.rotate(first.id, first.refreshHash, rotation)).toBe(true);
        expect((await mustFind(first.id)).session).toEqual(rotated(first, rotation));
        expect((await mustFind(second.id)).session).toEqual({ ...second, epoch: 0 });
      });

      it('sets the permissions in effect at every create, an empty list included', async () => {
        const userId = newUserId('erin');
        const first = await add(sessionFor(userId), { permissions: ['posts:read'] });
        expectSubject((await mustFind(first.id)).subject, userId, ['posts:read']);

        const second = await add(sessionFor(userId), { permissions: [] });
        for (const id of [first.id, second.id]) {
          expectSubject((await mustFind(id)).subject, userId, []);
        }

        await add(sessionFor(userId), { permissions: ['users:admin', 'posts:delete:any'] });
        const found = await store.findByAccessHash(first.accessHash);
        expectSubject(found?.subject ?? null, userId, ['users:admin', 'posts:delete:any']);
      });
    });

    describe('lookups', () => {
      it('return null for unknown hashes and ids', async () => {
        expect(await store.findByAccessHash(newHash())).toBeNull();
        expect(await store.findByRefreshHash(newHash())).toBeNull();
        expect(await store.findById(generateSessionId())).toBeNull();

        const record = await add(sessionFor(newUserId('alice')));
        expect(await store.findByAccessHash(newHash())).toBeNull();
        expect(await store.findByRefreshHash(newHash())).toBeNull();
        expect(await store.findById(generateSessionId())).toBeNull();
        // A hash is only found through the kind of token it was issued as.
        expect(await store.findByAccessHash(record.refreshHash)).toBeNull();
        expect(await store.findByRefreshHash(record.accessHash)).toBeNull();
        expect(await store.findById(record.accessHash)).toBeNull();
      });

      it("never return one user's session for another's tokens", async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const a = await add(sessionFor(alice), { permissions: ['posts:read'] });
        const b = await add(sessionFor(bob), { permissions: ['users:admin'] });

        const expectations: [ReferenceSession, string, string[]][] = [
          [a, alice, ['posts:read']],
          [b, bob, ['users:admin']],
        ];
        for (const [record, userId, permissions] of expectations) {
          for (const found of [
            await store.findByAccessHash(record.accessHash),
            await store.findByRefreshHash(record.refreshHash),
            await store.findById(record.id),
          ]) {
            expect(found?.session).toEqual({ ...record, epoch: 0 });
            expectSubject(found?.subject ?? null, userId, permissions);
          }
        }
      });
    });

    describe('touch', () => {
      it('moves lastActiveAt forward, never backwards, and only for that session', async () => {
        const userId = newUserId('alice');
        const record = await add(sessionFor(userId));
        const sibling = await add(sessionFor(userId));

        await store.touch(record.id, T0 + 5 * MINUTE);
        const touched = (await mustFind(record.id)).session;
        expect(touched).toEqual({ ...record, epoch: 0, lastActiveAt: T0 + 5 * MINUTE });
        expectNumericTimes(touched);

        await store.touch(record.id, T0 + MINUTE);
        expect((await mustFind(record.id)).session.lastActiveAt).toBe(T0 + 5 * MINUTE);

        await store.touch(record.id, T0 + 9 * MINUTE);
        const found = await store.findByAccessHash(record.accessHash);
        expect(found?.session.lastActiveAt).toBe(T0 + 9 * MINUTE);
        expect((await mustFind(sibling.id)).session.lastActiveAt).toBe(T0);
      });

      it('is a no-op for an unknown session', async () => {
        const ghost = generateSessionId();
        await expect(store.touch(ghost, T0)).resolves.toBeUndefined();
        expect(await store.findById(ghost)).toBeNull();
        expect((await store.listByUser(newUserId('nobody'))).sessions).toEqual([]);
      });
    });

    describe('rotate', () => {
      it('swaps in the new hashes when the expected refresh hash is current', async () => {
        const record = await add(sessionFor(newUserId('alice')));
        const rotation = rotationAt(T0 + 10 * MINUTE);
        expect(await store.rotate(record.id, record.refreshHash, rotation)).toBe(true);

        const expected = rotated(record, rotation);
        const stored = await mustFind(record.id);
        expect(stored.session).toEqual(expected);
        expectNumericTimes(stored.session);
        expect((await store.findByAccessHash(rotation.accessHash))?.session).toEqual(expected);
        expect((await store.findByRefreshHash(rotation.refreshHash))?.session).toEqual(expected);
        expect(await store.findByAccessHash(record.accessHash)).toBeNull();
        expectSubject(stored.subject, record.userId, PERMISSIONS);
      });

      it('refuses a stale expected hash and changes nothing', async () => {
        const record = await add(sessionFor(newUserId('alice')));
        const first = rotationAt(T0 + MINUTE);
        expect(await store.rotate(record.id, record.refreshHash, first)).toBe(true);
        const before = await mustFind(record.id);

        const second = rotationAt(T0 + 2 * MINUTE);
        expect(await store.rotate(record.id, record.refreshHash, second)).toBe(false);

        expect(await mustFind(record.id)).toEqual(before);
        expect(await store.findByAccessHash(second.accessHash)).toBeNull();
        expect(await store.findByRefreshHash(second.refreshHash)).toBeNull();
        expect((await store.findByAccessHash(first.accessHash))?.session.id).toBe(record.id);
      });

      it('refuses an unknown session or another session’s refresh hash', async () => {
        const userId = newUserId('alice');
        const a = await add(sessionFor(userId));
        const b = await add(sessionFor(userId));

        expect(await store.rotate(generateSessionId(), a.refreshHash, rotationAt(T0))).toBe(false);
        expect(await store.rotate(a.id, b.refreshHash, rotationAt(T0 + MINUTE))).toBe(false);
        expect(await store.rotate(a.id, newHash(), rotationAt(T0 + MINUTE))).toBe(false);

        expect((await mustFind(a.id)).session).toEqual({ ...a, epoch: 0 });
        expect((await mustFind(b.id)).session).toEqual({ ...b, epoch: 0 });
      });

      it('keeps spent refresh hashes findable, so that reuse can be detected', async () => {
        const record = await add(sessionFor(newUserId('alice')));
        const second = rotationAt(T0 + MINUTE);
        const third = rotationAt(T0 + 2 * MINUTE);
        expect(await store.rotate(record.id, record.refreshHash, second)).toBe(true);
        expect(await store.rotate(record.id, second.refreshHash, third)).toBe(true);

        for (const hash of [record.refreshHash, second.refreshHash, third.refreshHash]) {
          const found = await store.findByRefreshHash(hash);
          expect(found?.session.id).toBe(record.id);
          expect(found?.session.refreshHash).toBe(third.refreshHash);
          expect(found?.session.previousRefreshHash).toBe(second.refreshHash);
          expect(found?.session.successor).toBe(third.successor);
          expect(found?.session.rotatedAt).toBe(third.rotatedAt);
        }
        expect(await store.findByAccessHash(record.accessHash)).toBeNull();
        expect(await store.findByAccessHash(second.accessHash)).toBeNull();
        expect((await store.findByAccessHash(third.accessHash))?.session.id).toBe(record.id);
        // The spent hashes stay spent: rotating from them fails.
        expect(await store.rotate(record.id, second.refreshHash, rotationAt(T0 + 3 * MINUTE))).toBe(
          false,
        );
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of 25 concurrent rotations from the same hash win', async () => {
        const record = await add(sessionFor(newUserId('alice')));
        const rotations = Array.from({ length: 25 }, (_, i) => rotationAt(T0 + MINUTE + i));

        const results = await Promise.all(
          rotations.map((rotation) => store.rotate(record.id, record.refreshHash, rotation)),
        );

        expect(results.filter((won) => won)).toHaveLength(1);
        const winner = rotations[results.indexOf(true)];
        expect((await mustFind(record.id)).session).toEqual(rotated(record, winner));
        expect((await store.findByAccessHash(winner.accessHash))?.session.id).toBe(record.id);
        for (const loser of rotations.filter((rotation) => rotation !== winner)) {
          expect(await store.findByAccessHash(loser.accessHash)).toBeNull();
          expect(await store.findByRefreshHash(loser.refreshHash)).toBeNull();
        }
      });

      it('rotates different sessions of one user concurrently, all of them', async () => {
        const userId = newUserId('alice');
        const records: ReferenceSession[] = [];
        for (let i = 0; i < 10; i++) records.push(await add(sessionFor(userId)));
        const rotations = records.map(() => rotationAt(T0 + MINUTE));

        const results = await Promise.all(
          records.map((record, i) => store.rotate(record.id, record.refreshHash, rotations[i])),
        );

        expect(results).toEqual(records.map(() => true));
        for (const [i, record] of records.entries()) {
          const rotation = rotations[i];
          expect((await store.findByAccessHash(rotation.accessHash))?.session).toEqual(
            rotated(record, rotation),
          );
        }
      });

      it('survives concurrent creates around a revokeAll and stays consistent', async () => {
        const userId = newUserId('alice');
        const first = await add(sessionFor(userId));
        const before = (await mustFind(first.id)).subject.epoch;
        const racers = Array.from({ length: 20 }, (_, i) =>
          sessionFor(userId, { createdAt: T0 + i, lastActiveAt: T0 + i }),
        );

        const settled = await Promise.allSettled([
          ...racers.slice(0, 10).map((record) => store.create(record, optionsAt())),
          store.revokeAll(userId, null),
          ...racers.slice(10).map((record) => store.create(record, optionsAt())),
        ]);

        expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
        const listed = await store.listByUser(userId);
        const subject = expectSubject(listed.subject, userId, PERMISSIONS);
        expect(subject.epoch).toBeGreaterThan(before);
        expect(sortedStrings(listed.sessions.map((s) => s.id))).toEqual(
          sortedStrings([first.id, ...racers.map((r) => r.id)]),
        );
        for (const session of listed.sessions) {
          // Each racer ran either before or after the bump: it holds one epoch or the other.
          expect([before, subject.epoch]).toContain(session.epoch);
        }
        expect(await liveness([first.id])).toEqual([false]);
        for (const record of racers) {
          const found = await store.findByAccessHash(record.accessHash);
          expect(found?.session.id).toBe(record.id);
          expect(found?.subject.epoch).toBe(subject.epoch);
        }

        await store.revokeAll(userId, null);
        const everyone = [first.id, ...racers.map((r) => r.id)];
        expect((await liveness(everyone)).filter((live) => live)).toEqual([]);
        const fresh = await add(sessionFor(userId));
        expect(await liveness([fresh.id])).toEqual([true]);
      });
    });

    describe('delete', () => {
      it('removes the session and every token of it, once', async () => {
        const userId = newUserId('alice');
        const record = await add(sessionFor(userId), { permissions: ['posts:read'] });
        const sibling = await add(sessionFor(userId), { permissions: ['posts:read'] });
        const rotation = rotationAt(T0 + MINUTE);
        expect(await store.rotate(record.id, record.refreshHash, rotation)).toBe(true);

        expect(await store.delete(record.id)).toBe(true);
        await expectGone(
          record.id,
          [record.accessHash, rotation.accessHash],
          [record.refreshHash, rotation.refreshHash],
        );
        expect(await store.delete(record.id)).toBe(false);

        const kept = await store.findByAccessHash(sibling.accessHash);
        expect(kept?.session).toEqual({ ...sibling, epoch: 0 });
        expectSubject(kept?.subject ?? null, userId, ['posts:read']);
        expect((await store.listByUser(userId)).sessions.map((s) => s.id)).toEqual([sibling.id]);
      });

      it('returns false for an unknown session', async () => {
        await add(sessionFor(newUserId('alice')));
        expect(await store.delete(generateSessionId())).toBe(false);
      });
    });

    describe('revokeAll', () => {
      it('revokes every session of the user, and only of that user', async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const mine = [await add(sessionFor(alice)), await add(sessionFor(alice))];
        const valueSession = await add({ ...sessionFor(alice), accessHash: null });
        const theirs = await add(sessionFor(bob));
        const before = (await mustFind(mine[0].id)).subject.epoch;

        await store.revokeAll(alice, null);

        const subject = (await store.listByUser(alice)).subject;
        expect(expectSubject(subject, alice, PERMISSIONS).epoch).toBeGreaterThan(before);
        expect(await liveness([...mine.map((r) => r.id), valueSession.id])).toEqual([
          false,
          false,
          false,
        ]);
        // Revoked, yet still stored and found: the token services judge by epoch.
        const byAccess = await store.findByAccessHash(mine[1].accessHash);
        expect(byAccess !== null && isSessionLive(byAccess, T0)).toBe(false);
        const bobs = await mustFind(theirs.id);
        expect(isSessionLive(bobs, T0)).toBe(true);
        expect(bobs.subject.epoch).toBe(0);

        const after = await add(sessionFor(alice));
        const stored = await mustFind(after.id);
        expect(stored.session.epoch).toBe(stored.subject.epoch);
        expect(isSessionLive(stored, T0)).toBe(true);
      });

      it('raises the epoch at every call', async () => {
        const userId = newUserId('alice');
        const record = await add(sessionFor(userId));
        const epochs = [(await mustFind(record.id)).subject.epoch];
        for (let i = 0; i < 3; i++) {
          await store.revokeAll(userId, null);
          epochs.push((await mustFind(record.id)).subject.epoch);
        }
        for (let i = 1; i < epochs.length; i++) {
          expect(epochs[i]).toBeGreaterThan(epochs[i - 1]);
        }
      });

      it('keeps the one session it is told to keep', async () => {
        const userId = newUserId('alice');
        const others = [await add(sessionFor(userId)), await add(sessionFor(userId))];
        const keep = await add(sessionFor(userId));

        await store.revokeAll(userId, keep.id);

        expect(await liveness(others.map((r) => r.id))).toEqual([false, false]);
        const kept = await store.findByAccessHash(keep.accessHash);
        expect(kept).not.toBeNull();
        expect(isSessionLive(kept as StoredSession, T0)).toBe(true);
        expect(kept?.session.epoch).toBe(kept?.subject.epoch);
        expect(kept?.session).toEqual({ ...keep, epoch: kept?.subject.epoch });

        // Kept once is not kept forever.
        await store.revokeAll(userId, null);
        expect(await liveness([keep.id])).toEqual([false]);
      });

      it('does nothing for a kept session of another user, nor revives anything', async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const mine = await add(sessionFor(alice));
        const theirs = await add(sessionFor(bob));

        await store.revokeAll(alice, theirs.id);

        expect(await liveness([mine.id])).toEqual([false]);
        const bobs = await mustFind(theirs.id);
        expect(bobs.session).toEqual({ ...theirs, epoch: 0 });
        expect(bobs.subject.epoch).toBe(0);
        // Had the store moved Bob's session to Alice's new epoch, it would survive this.
        await store.revokeAll(bob, null);
        expect(await liveness([theirs.id])).toEqual([false]);
      });

      it('does not revive an already revoked session it is told to keep', async () => {
        const userId = newUserId('alice');
        const old = await add(sessionFor(userId));
        await store.revokeAll(userId, null);
        const current = await add(sessionFor(userId));

        await store.revokeAll(userId, old.id);

        expect(await liveness([old.id, current.id])).toEqual([false, false]);
      });

      it('accepts an unknown user, and that user’s later sessions are live', async () => {
        const alice = newUserId('alice');
        const bystander = await add(sessionFor(newUserId('bob')));

        await expect(store.revokeAll(alice, null)).resolves.toBeNull();
        await expect(store.revokeAll(newUserId('zed'), generateSessionId())).resolves.toBeNull();

        const record = await add(sessionFor(alice));
        expect(await liveness([record.id, bystander.id])).toEqual([true, true]);
      });

      it('is not undone by a later create or setPermissions', async () => {
        const userId = newUserId('alice');
        const old = await add(sessionFor(userId));
        await store.revokeAll(userId, null);

        await add(sessionFor(userId), { permissions: ['posts:read'] });
        await store.setPermissions(userId, ['users:admin']);

        expect(await liveness([old.id])).toEqual([false]);
      });
    });

    describe('listByUser', () => {
      it('lists every stored session of exactly that user, live or not, with the subject', async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const revoked = await add(sessionFor(alice));
        await store.revokeAll(alice, null);
        const expired = await add(sessionFor(alice, { expiresAt: T0 - 1 }));
        const live = await add(sessionFor(alice, { userAgent: null, ip: '::1' }), {
          permissions: ['posts:read'],
        });
        await add(sessionFor(bob));

        const listed = await store.listByUser(alice);

        const subject = expectSubject(listed.subject, alice, ['posts:read']);
        expect(subject.epoch).toBeGreaterThan(0);
        expect(sortedById(listed.sessions)).toEqual(
          sortedById([
            { ...revoked, epoch: 0 },
            { ...expired, epoch: subject.epoch },
            { ...live, epoch: subject.epoch },
          ]),
        );
        for (const session of listed.sessions) expectNumericTimes(session);
      });

      it('shows the current state after rotate and touch', async () => {
        const userId = newUserId('alice');
        const record = await add(sessionFor(userId));
        const rotation = rotationAt(T0 + MINUTE);
        await store.rotate(record.id, record.refreshHash, rotation);
        await store.touch(record.id, T0 + 3 * MINUTE);

        const { sessions } = await store.listByUser(userId);
        expect(sessions).toEqual([{ ...rotated(record, rotation), lastActiveAt: T0 + 3 * MINUTE }]);
      });

      it('answers a null subject and no sessions for an unknown user', async () => {
        await add(sessionFor(newUserId('alice')));
        expect(await store.listByUser(newUserId('nobody'))).toEqual({
          subject: null,
          sessions: [],
        });
      });
    });

    describe('setPermissions', () => {
      it('changes what every lookup of every session of the user sees', async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const records = [await add(sessionFor(alice)), await add(sessionFor(alice))];
        const valueSession = await add({ ...sessionFor(alice), accessHash: null });
        const theirs = await add(sessionFor(bob));

        await store.setPermissions(alice, ['posts:read', 'users:admin']);

        const next = ['posts:read', 'users:admin'];
        for (const record of records) {
          expectSubject(
            (await store.findByAccessHash(record.accessHash))?.subject ?? null,
            alice,
            next,
          );
          expectSubject(
            (await store.findByRefreshHash(record.refreshHash))?.subject ?? null,
            alice,
            next,
          );
          expectSubject((await store.findById(record.id))?.subject ?? null, alice, next);
        }
        expectSubject((await mustFind(valueSession.id)).subject, alice, next);
        expectSubject((await store.listByUser(alice)).subject, alice, next);
        expectSubject((await mustFind(theirs.id)).subject, bob, PERMISSIONS);
        expect(await liveness([...records.map((r) => r.id), valueSession.id])).toEqual([
          true,
          true,
          true,
        ]);

        await store.setPermissions(alice, []);
        expectSubject((await mustFind(records[0].id)).subject, alice, []);
      });

      it('works for a user whose sessions are all gone', async () => {
        const userId = newUserId('alice');
        const record = await add(sessionFor(userId));
        await store.delete(record.id);

        await store.setPermissions(userId, ['users:admin']);

        const listed = await store.listByUser(userId);
        expectSubject(listed.subject, userId, ['users:admin']);
        expect(listed.sessions).toEqual([]);
        const next = await add(sessionFor(userId), { permissions: ['posts:read'] });
        expectSubject((await mustFind(next.id)).subject, userId, ['posts:read']);
      });

      it('works for a user never seen, and a later create sets its own permissions', async () => {
        const userId = newUserId('alice');
        await expect(store.setPermissions(userId, ['users:admin'])).resolves.toBeUndefined();

        // Whether a subject record is created now is up to the store; if it is, it says so.
        const listed = await store.listByUser(userId);
        if (listed.subject !== null) expectSubject(listed.subject, userId, ['users:admin']);
        expect(listed.sessions).toEqual([]);

        const record = await add(sessionFor(userId), { permissions: ['posts:read'] });
        const stored = await mustFind(record.id);
        expectSubject(stored.subject, userId, ['posts:read']);
        expect(isSessionLive(stored, T0)).toBe(true);
      });
    });

    describe('create with maxSessions', () => {
      it('evicts the oldest live sessions beyond the limit, oldest first', async () => {
        const userId = newUserId('alice');
        // Inserted out of createdAt order: eviction goes by createdAt, not insertion.
        const middle = await add(sessionFor(userId, { createdAt: T0 + 20 }));
        const oldest = await add(sessionFor(userId, { createdAt: T0 + 10 }));
        const newer = await add(sessionFor(userId, { createdAt: T0 + 30 }));
        const rotation = rotationAt(T0 + 40);
        expect(await store.rotate(oldest.id, oldest.refreshHash, rotation)).toBe(true);

        const latest = sessionFor(userId, { createdAt: T0 + 50 });
        const { evicted } = await store.create(latest, optionsAt({ maxSessions: 2, now: T0 + 50 }));

        expect(evicted).toEqual([oldest.id, middle.id]);
        await expectGone(
          oldest.id,
          [oldest.accessHash, rotation.accessHash],
          [oldest.refreshHash, rotation.refreshHash],
        );
        await expectGone(middle.id, [middle.accessHash], [middle.refreshHash]);
        expect(await liveness([newer.id, latest.id], T0 + 50)).toEqual([true, true]);
        expect(sortedStrings((await store.listByUser(userId)).sessions.map((s) => s.id))).toEqual(
          sortedStrings([newer.id, latest.id]),
        );

        const last = sessionFor(userId, { createdAt: T0 + 60 });
        expect(
          (await store.create(last, optionsAt({ maxSessions: 1, now: T0 + 60 }))).evicted,
        ).toEqual([newer.id, latest.id]);
        expect(await liveness([last.id], T0 + 60)).toEqual([true]);
      });

      it('does not count revoked or expired sessions', async () => {
        const userId = newUserId('alice');
        const now = T0 + DAY;
        const revoked = await add(sessionFor(userId, { createdAt: T0 }));
        await store.revokeAll(userId, null);
        const expired = await add(sessionFor(userId, { createdAt: T0 + 1, expiresAt: now }));
        const live = await add(sessionFor(userId, { createdAt: T0 + 2 }));

        const latest = sessionFor(userId, { createdAt: now });
        expect((await store.create(latest, optionsAt({ maxSessions: 2, now }))).evicted).toEqual(
          [],
        );

        expect(await liveness([live.id, latest.id], now)).toEqual([true, true]);
        // The dead ones are not reported as evicted; a store may keep or drop them, never revive.
        for (const id of [revoked.id, expired.id]) {
          const dead = await store.findById(id);
          expect(dead === null || !isSessionLive(dead, now)).toBe(true);
        }
      });

      it("counts only the user's own sessions", async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const bobs = [await add(sessionFor(bob)), await add(sessionFor(bob))];
        const first = await add(sessionFor(alice, { createdAt: T0 }));

        const second = sessionFor(alice, { createdAt: T0 + 1 });
        expect(
          (await store.create(second, optionsAt({ maxSessions: 2, now: T0 + 1 }))).evicted,
        ).toEqual([]);
        const third = sessionFor(alice, { createdAt: T0 + 2 });
        expect(
          (await store.create(third, optionsAt({ maxSessions: 2, now: T0 + 2 }))).evicted,
        ).toEqual([first.id]);

        expect(await liveness([...bobs.map((r) => r.id), second.id, third.id], T0 + 2)).toEqual([
          true,
          true,
          true,
          true,
        ]);
      });

      it('never evicts when maxSessions is null', async () => {
        const userId = newUserId('alice');
        const ids: string[] = [];
        for (let i = 0; i < 12; i++) {
          const record = sessionFor(userId, { createdAt: T0 + i });
          expect(
            (await store.create(record, optionsAt({ maxSessions: null, now: T0 + i }))).evicted,
          ).toEqual([]);
          ids.push(record.id);
        }
        expect(await liveness(ids, T0 + 12)).toEqual(ids.map(() => true));
      });
    });

    describe('deleteExpired', () => {
      it('deletes expired and revoked sessions with all their tokens, and counts them', async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const now = T0 + DAY;
        const revoked = await add(sessionFor(alice));
        const rotation = rotationAt(T0 + MINUTE);
        expect(await store.rotate(revoked.id, revoked.refreshHash, rotation)).toBe(true);
        const kept = await add(sessionFor(alice));
        await store.revokeAll(alice, kept.id);
        // Created after the revocation, so only its end can condemn it: expiresAt === now.
        const atEnd = await add(sessionFor(alice, { expiresAt: now }));
        const justAlive = await add(sessionFor(alice, { expiresAt: now + 1 }));
        const past = await add(sessionFor(bob, { expiresAt: now - DAY / 2 }));
        const bobLive = await add(sessionFor(bob));

        expect(await store.deleteExpired(now)).toBe(3);

        await expectGone(atEnd.id, [atEnd.accessHash], [atEnd.refreshHash]);
        await expectGone(past.id, [past.accessHash], [past.refreshHash]);
        await expectGone(
          revoked.id,
          [revoked.accessHash, rotation.accessHash],
          [revoked.refreshHash, rotation.refreshHash],
        );
        for (const record of [kept, justAlive, bobLive]) {
          const found = await store.findByAccessHash(record.accessHash);
          expect(found?.session.id).toBe(record.id);
          expect(isSessionLive(found as StoredSession, now)).toBe(true);
        }
        expect(sortedStrings((await store.listByUser(alice)).sessions.map((s) => s.id))).toEqual(
          sortedStrings([kept.id, justAlive.id]),
        );

        expect(await store.deleteExpired(now)).toBe(0);
      });

      it('returns 0 when there is nothing to delete', async () => {
        expect(await store.deleteExpired(T0)).toBe(0);
        const record = await add(sessionFor(newUserId('alice')));
        expect(await store.deleteExpired(T0)).toBe(0);
        expect(await store.findById(record.id)).not.toBeNull();
      });
    });

    describe('clear', () => {
      it('deletes every session of every user, keeping subject records', async () => {
        const alice = newUserId('alice');
        const bob = newUserId('bob');
        const records = [
          await add(sessionFor(alice)),
          await add(sessionFor(alice)),
          await add(sessionFor(bob), { permissions: ['users:admin'] }),
        ];
        const rotation = rotationAt(T0 + MINUTE);
        expect(await store.rotate(records[0].id, records[0].refreshHash, rotation)).toBe(true);
        await store.revokeAll(alice, records[1].id);
        const aliceEpoch = (await mustFind(records[1].id)).subject.epoch;

        await store.clear();

        for (const record of records) {
          await expectGone(
            record.id,
            [record.accessHash, rotation.accessHash],
            [record.refreshHash, rotation.refreshHash],
          );
        }
        const listedAlice = await store.listByUser(alice);
        expect(listedAlice.sessions).toEqual([]);
        expect(expectSubject(listedAlice.subject, alice, PERMISSIONS).epoch).toBe(aliceEpoch);
        const listedBob = await store.listByUser(bob);
        expect(listedBob.sessions).toEqual([]);
        expectSubject(listedBob.subject, bob, ['users:admin']);
        expect(await store.deleteExpired(T0 + LIFETIME)).toBe(0);

        const fresh = await add(sessionFor(alice));
        expect(await liveness([fresh.id])).toEqual([true]);
      });
    });

    describe('many sessions', () => {
      it('lists, revokes and sweeps 200 sessions of one user', async () => {
        const userId = newUserId('alice');
        const ids: string[] = [];
        for (let i = 0; i < 200; i++) {
          const record = sessionFor(userId, { createdAt: T0 + i, lastActiveAt: T0 + i });
          await store.create(record, optionsAt({ now: T0 + i }));
          ids.push(record.id);
        }
        const other = await add(sessionFor(newUserId('bob')));

        const listed = await store.listByUser(userId);
        expect(listed.sessions).toHaveLength(200);
        expect(sortedStrings(listed.sessions.map((s) => s.id))).toEqual(sortedStrings(ids));

        await store.revokeAll(userId, null);
        const after = await store.listByUser(userId);
        const subject = expectSubject(after.subject, userId, PERMISSIONS);
        expect(after.sessions.filter((s) => s.epoch >= subject.epoch)).toEqual([]);

        expect(await store.deleteExpired(T0 + 200)).toBe(200);
        expect((await store.listByUser(userId)).sessions).toEqual([]);
        expect(await liveness([other.id], T0 + 200)).toEqual([true]);
      });
    });

    describe('epochs reported to the token layer', () => {
      it('create reports the epoch it stamped; revokeAll reports the new one', async () => {
        const userId = newUserId('alice');
        const first = sessionFor(userId);
        expect((await store.create(first, optionsAt())).epoch).toBe(0);
        const epoch = await store.revokeAll(userId, first.id);
        expect(epoch).toBe(
          expectSubject((await mustFind(first.id)).subject, userId, PERMISSIONS).epoch,
        );
        expect(epoch).toBeGreaterThan(0);
        expect((await mustFind(first.id)).session.epoch).toBe(epoch);
        const second = sessionFor(userId);
        expect((await store.create(second, optionsAt())).epoch).toBe(epoch);
        expect(await store.revokeAll(userId, null)).toBeGreaterThan(epoch as number);
      });
    });

    describe('revocation notices', () => {
      const makeNotices = (): RevocationNotice[] => [
        {
          kind: 'session',
          id: generateSessionId(),
          sessionId: generateSessionId(),
          userId: 'u-1',
          at: T0,
          expiresAt: T0 + 1_000,
        },
        {
          kind: 'user',
          id: generateSessionId(),
          userId: 'u-2',
          epoch: 3,
          keepSessionId: generateSessionId(),
          at: T0 + 10,
          expiresAt: T0 + 2_000,
        },
        {
          kind: 'user',
          id: generateSessionId(),
          userId: 'u-3',
          epoch: 1,
          keepSessionId: null,
          at: T0 + 20,
          expiresAt: T0 + 2_000,
        },
        { kind: 'all', id: generateSessionId(), at: T0 + 30, expiresAt: T0 + 3_000 },
      ];

      it('round-trips every kind, in order, filtered by time', async () => {
        const notices = makeNotices();
        for (const notice of notices) await store.publishRevocation(notice);
        expect(await store.readRevocations(T0)).toEqual(notices);
        expect(await store.readRevocations(T0 + 11)).toEqual(notices.slice(2));
        expect(await store.readRevocations(T0 + 31)).toEqual([]);
      });

      it('forgets notices past their expiry at the sweep, and not before', async () => {
        const notices = makeNotices();
        for (const notice of notices) await store.publishRevocation(notice);
        await store.deleteExpired(T0 + 999);
        expect(await store.readRevocations(T0)).toEqual(notices);
        await store.deleteExpired(T0 + 2_000);
        expect(await store.readRevocations(T0)).toEqual(notices.slice(3));
      });
    });
  });
}
