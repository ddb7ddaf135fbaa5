import type { RevocationNotice } from '../jwt/revocation-notice.js';
import { DigestTable, NO_RECORD } from './memory/digest-table.js';
import { Interner } from './memory/interner.js';
import type { CreateSessionOptions, CreatedSession } from './session.store.js';
import { SessionStore } from './session.store.js';
import type {
  NewSessionRecord,
  SessionRecord,
  SessionRotation,
  StoredSession,
  SubjectRecord,
  UserSessions,
} from './session-record.js';

/** Per-slot numeric fields, one row of {@link FIELDS} doubles per session. */
const CREATED = 0;
const ACTIVE = 1;
const EXPIRES = 2;
/** `NaN` while the session has never rotated. */
const ROTATED = 3;
const EPOCH = 4;
const FIELDS = 5;
/** What a token-hash record is, in the low bit of its value (the slot is the rest). */
const ACCESS = 0;
const REFRESH = 1;
/** "No slot": the end of a user's list and of the free list. */
const NONE = -1;

/**
 * Sessions in process memory: the default store. Fastest, but sessions die with the
 * process and are not shared between instances (see the README's storage table).
 *
 * Every operation is synchronous under the hood, so rotation and revocation are atomic by
 * construction. Expired and revoked sessions are removed by the module's sweeper
 * (`sweepInterval`).
 *
 * Sessions live in numbered slots of flat arrays rather than one object graph each: numbers
 * in one `Float64Array` row per slot, token hashes as 32 raw bytes in a {@link DigestTable}
 * (a spent refresh hash links to the one before it), users' sessions as linked lists through
 * the slots, and one shared copy of each distinct user agent and permission list. A session
 * costs a few hundred bytes instead of well over a kilobyte, and the garbage collector has a
 * handful of large arrays to scan instead of a dozen objects per session. Lookups build the
 * record they return.
 *
 * @example
 * SessionModule.forRoot({ store: new MemorySessionStore() });
 */
export class MemorySessionStore extends SessionStore {
  override readonly local = true;

  /** Every token hash: value = slot × 2 + kind; a refresh hash links to the one spent before it. */
  private readonly hashes = new DigestTable();
  private readonly byId = new Map<string, number>();
  private capacity = 0;
  private times = new Float64Array(0);
  private accessOf = new Int32Array(0);
  /** The current refresh hash's record: the head of the slot's chain of refresh hashes. */
  private refreshOf = new Int32Array(0);
  private userOf = new Int32Array(0);
  /** Next slot of the same user, or of the free list. */
  private nextOf = new Int32Array(0);
  private previousOf = new Int32Array(0);
  private ids: (string | null)[] = [];
  private agents: (string | null)[] = [];
  private ips: (string | null)[] = [];
  private successors: (string | null)[] = [];
  private freeSlot = NONE;
  private usedSlots = 0;

  /** Users by id; a user is never forgotten (its epoch must outlive every token it revoked). */
  private readonly users = new Map<string, number>();
  private readonly userIds: string[] = [];
  private readonly epochs: number[] = [];
  private readonly grants: (readonly string[])[] = [];
  private readonly firstOf: number[] = [];
  private readonly lastOf: number[] = [];

  private readonly agentPool = new Interner<string>((agent) => agent);
  private readonly grantPool = new Interner<readonly string[]>((list) => JSON.stringify(list));
  private notices: RevocationNotice[] = [];

  constructor() {
    super();
    this.resetSlots();
  }

  /** Number of sessions held, live or not yet swept. */
  get size(): number {
    return this.byId.size;
  }

  /** @inheritdoc */
  create(session: NewSessionRecord, options: CreateSessionOptions): Promise<CreatedSession> {
    return settle(() => this.createNow(session, options));
  }

  private createNow(session: NewSessionRecord, options: CreateSessionOptions): CreatedSession {
    if (this.byId.has(session.id)) throw new Error('this session id is already stored');
    this.checkNewHashes([session.accessHash, session.refreshHash, session.previousRefreshHash]);
    const user = this.userFor(session.userId);
    this.grant(user, options.permissions);

    const slot = this.takeSlot();
    const row = slot * FIELDS;
    this.times[row + CREATED] = session.createdAt;
    this.times[row + ACTIVE] = session.lastActiveAt;
    this.times[row + EXPIRES] = session.expiresAt;
    this.times[row + ROTATED] = session.rotatedAt ?? Number.NaN;
    this.times[row + EPOCH] = this.epochs[user];
    this.ids[slot] = session.id;
    this.agents[slot] =
      session.userAgent === null ? null : this.agentPool.acquire(session.userAgent);
    this.ips[slot] = session.ip;
    this.successors[slot] = session.successor;
    this.accessOf[slot] =
      session.accessHash === null
        ? NO_RECORD
        : this.hashes.add(session.accessHash, slot * 2 + ACCESS, NO_RECORD);
    const spent =
      session.previousRefreshHash === null
        ? NO_RECORD
        : this.hashes.add(session.previousRefreshHash, slot * 2 + REFRESH, NO_RECORD);
    this.refreshOf[slot] = this.hashes.add(session.refreshHash, slot * 2 + REFRESH, spent);
    this.byId.set(session.id, slot);
    this.appendToUser(user, slot);
    return {
      epoch: this.epochs[user],
      evicted: this.evictBeyond(user, slot, options.maxSessions, options.now),
    };
  }

  /** @inheritdoc */
  findByAccessHash(accessHash: string): Promise<StoredSession | null> {
    return Promise.resolve(this.byHash(accessHash, ACCESS));
  }

  /** @inheritdoc */
  findByRefreshHash(refreshHash: string): Promise<StoredSession | null> {
    return Promise.resolve(this.byHash(refreshHash, REFRESH));
  }

  /** @inheritdoc */
  findById(sessionId: string): Promise<StoredSession | null> {
    const slot = this.byId.get(sessionId);
    return Promise.resolve(slot === undefined ? null : this.stored(slot));
  }

  /** @inheritdoc */
  touch(sessionId: string, lastActiveAt: number): Promise<void> {
    const slot = this.byId.get(sessionId);
    if (slot !== undefined && this.times[slot * FIELDS + ACTIVE] < lastActiveAt) {
      this.times[slot * FIELDS + ACTIVE] = lastActiveAt;
    }
    return Promise.resolve();
  }

  /** @inheritdoc */
  rotate(
    sessionId: string,
    expectedRefreshHash: string,
    rotation: SessionRotation,
  ): Promise<boolean> {
    return settle(() => this.rotateNow(sessionId, expectedRefreshHash, rotation));
  }

  private rotateNow(sessionId: string, expectedRefreshHash: string, rotation: SessionRotation) {
    const slot = this.byId.get(sessionId);
    if (slot === undefined || !this.hashes.holds(this.refreshOf[slot], expectedRefreshHash)) {
      return false;
    }
    this.checkNewHashes([rotation.accessHash, rotation.refreshHash]);
    if (this.accessOf[slot] !== NO_RECORD) this.hashes.remove(this.accessOf[slot]);
    this.accessOf[slot] =
      rotation.accessHash === null
        ? NO_RECORD
        : this.hashes.add(rotation.accessHash, slot * 2 + ACCESS, NO_RECORD);
    this.refreshOf[slot] = this.hashes.add(
      rotation.refreshHash,
      slot * 2 + REFRESH,
      this.refreshOf[slot],
    );
    const row = slot * FIELDS;
    this.times[row + ROTATED] = rotation.rotatedAt;
    this.times[row + ACTIVE] = Math.max(this.times[row + ACTIVE], rotation.rotatedAt);
    this.successors[slot] = rotation.successor;
    return true;
  }

  /** @inheritdoc */
  delete(sessionId: string): Promise<boolean> {
    const slot = this.byId.get(sessionId);
    if (slot === undefined) return Promise.resolve(false);
    this.remove(slot);
    return Promise.resolve(true);
  }

  /** @inheritdoc */
  revokeAll(userId: string, keepSessionId: string | null): Promise<number | null> {
    const user = this.users.get(userId);
    if (user === undefined) return Promise.resolve(null);
    const previous = this.epochs[user];
    const epoch = previous + 1;
    this.epochs[user] = epoch;
    const kept = keepSessionId === null ? undefined : this.byId.get(keepSessionId);
    if (
      kept !== undefined &&
      this.userOf[kept] === user &&
      this.times[kept * FIELDS + EPOCH] === previous
    ) {
      this.times[kept * FIELDS + EPOCH] = epoch;
    }
    return Promise.resolve(epoch);
  }

  /** @inheritdoc */
  listByUser(userId: string): Promise<UserSessions> {
    const user = this.users.get(userId);
    if (user === undefined) return Promise.resolve({ subject: null, sessions: [] });
    const sessions: SessionRecord[] = [];
    for (let slot = this.firstOf[user]; slot !== NONE; slot = this.nextOf[slot]) {
      sessions.push(this.record(slot));
    }
    return Promise.resolve({ subject: this.subject(user), sessions });
  }

  /** @inheritdoc */
  setPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    this.grant(this.userFor(userId), permissions);
    return Promise.resolve();
  }

  /** @inheritdoc */
  publishRevocation(notice: RevocationNotice): Promise<void> {
    this.notices.push(notice);
    return Promise.resolve();
  }

  /** @inheritdoc */
  readRevocations(since: number): Promise<RevocationNotice[]> {
    return Promise.resolve(this.notices.filter((notice) => notice.at >= since));
  }

  /** @inheritdoc */
  deleteExpired(now: number): Promise<number> {
    this.notices = this.notices.filter((notice) => notice.expiresAt > now);
    let removed = 0;
    for (let slot = 0; slot < this.usedSlots; slot++) {
      if (this.ids[slot] !== null && this.isDead(slot, now)) {
        this.remove(slot);
        removed++;
      }
    }
    return Promise.resolve(removed);
  }

  /** @inheritdoc */
  clear(): Promise<void> {
    this.byId.clear();
    this.hashes.clear();
    this.agentPool.clear();
    this.firstOf.fill(NONE);
    this.lastOf.fill(NONE);
    this.resetSlots();
    return Promise.resolve();
  }

  /** The session holding token hash `hash` of `kind`, or `null`. */
  private byHash(hash: string, kind: number): StoredSession | null {
    const record = this.hashes.find(hash);
    if (record === NO_RECORD) return null;
    const value = this.hashes.value(record);
    if ((value & 1) !== kind) return null;
    // The access hash asked for is the one the record would encode again.
    return this.stored(value >> 1, kind === ACCESS ? hash : undefined);
  }

  private stored(slot: number, accessHash?: string): StoredSession {
    return { session: this.record(slot, accessHash), subject: this.subject(this.userOf[slot]) };
  }

  /**
   * The session in `slot` as a record (a new object: the store keeps no records).
   * @param accessHash the slot's access hash, if the caller has it as text already.
   */
  private record(slot: number, accessHash?: string): SessionRecord {
    const row = slot * FIELDS;
    const access = this.accessOf[slot];
    const refresh = this.refreshOf[slot];
    const spent = this.hashes.link(refresh);
    const rotatedAt = this.times[row + ROTATED];
    return {
      id: this.ids[slot]!,
      userId: this.userIds[this.userOf[slot]],
      accessHash: access === NO_RECORD ? null : (accessHash ?? this.hashes.hex(access)),
      refreshHash: this.hashes.hex(refresh),
      previousRefreshHash: spent === NO_RECORD ? null : this.hashes.hex(spent),
      rotatedAt: Number.isNaN(rotatedAt) ? null : rotatedAt,
      successor: this.successors[slot],
      epoch: this.times[row + EPOCH],
      createdAt: this.times[row + CREATED],
      lastActiveAt: this.times[row + ACTIVE],
      expiresAt: this.times[row + EXPIRES],
      userAgent: this.agents[slot],
      ip: this.ips[slot],
    };
  }

  private subject(user: number): SubjectRecord {
    return { userId: this.userIds[user], permissions: this.grants[user], epoch: this.epochs[user] };
  }

  private isDead(slot: number, now: number): boolean {
    const row = slot * FIELDS;
    return (
      this.times[row + EXPIRES] <= now || this.times[row + EPOCH] < this.epochs[this.userOf[slot]]
    );
  }

  /** Refuses hashes the store cannot hold (malformed, stored, or repeated), before any write. */
  private checkNewHashes(hashes: readonly (string | null)[]): void {
    const given = hashes.filter((hash): hash is string => hash !== null);
    for (const hash of given) {
      if (!DigestTable.isDigest(hash)) {
        throw new TypeError('token hashes must be lowercase hex SHA-256 (see hashToken)');
      }
      if (this.hashes.find(hash) !== NO_RECORD || given.indexOf(hash) !== given.lastIndexOf(hash)) {
        throw new Error('this token hash is already stored');
      }
    }
  }

  /** The index of user `userId`, registering the user (epoch 0, no permissions) if new. */
  private userFor(userId: string): number {
    let user = this.users.get(userId);
    if (user === undefined) {
      user = this.userIds.length;
      this.users.set(userId, user);
      this.userIds.push(userId);
      this.epochs.push(0);
      this.grants.push(this.grantPool.acquire(Object.freeze([])));
      this.firstOf.push(NONE);
      this.lastOf.push(NONE);
    }
    return user;
  }

  /** Sets the permissions in effect for `user`, sharing one frozen copy per distinct list. */
  private grant(user: number, permissions: readonly string[]): void {
    const previous = this.grants[user];
    this.grants[user] = this.grantPool.acquire(Object.freeze([...permissions]));
    this.grantPool.release(previous);
  }

  private takeSlot(): number {
    if (this.freeSlot !== NONE) {
      const slot = this.freeSlot;
      this.freeSlot = this.nextOf[slot];
      return slot;
    }
    if (this.usedSlots === this.capacity) this.growSlots(this.capacity * 2);
    return this.usedSlots++;
  }

  /** Empties every per-slot array and makes room for a first few sessions. */
  private resetSlots(): void {
    this.times = new Float64Array(0);
    this.accessOf = new Int32Array(0);
    this.refreshOf = new Int32Array(0);
    this.userOf = new Int32Array(0);
    this.nextOf = new Int32Array(0);
    this.previousOf = new Int32Array(0);
    this.ids = [];
    this.agents = [];
    this.ips = [];
    this.successors = [];
    this.capacity = 0;
    this.freeSlot = NONE;
    this.usedSlots = 0;
    this.growSlots(64);
  }

  private growSlots(capacity: number): void {
    const grow = <T extends Float64Array | Int32Array>(
      old: T,
      make: (n: number) => T,
      width = 1,
    ) => {
      const next = make(capacity * width);
      next.set(old);
      return next;
    };
    this.times = grow(this.times, (n) => new Float64Array(n), FIELDS);
    this.accessOf = grow(this.accessOf, (n) => new Int32Array(n));
    this.refreshOf = grow(this.refreshOf, (n) => new Int32Array(n));
    this.userOf = grow(this.userOf, (n) => new Int32Array(n));
    this.nextOf = grow(this.nextOf, (n) => new Int32Array(n));
    this.previousOf = grow(this.previousOf, (n) => new Int32Array(n));
    // push, not `length =`: the arrays stay packed (no holes for V8 to check on every read).
    for (const column of [this.ids, this.agents, this.ips, this.successors]) {
      for (let slot = this.capacity; slot < capacity; slot++) column.push(null);
    }
    this.capacity = capacity;
  }

  private appendToUser(user: number, slot: number): void {
    this.userOf[slot] = user;
    this.nextOf[slot] = NONE;
    this.previousOf[slot] = this.lastOf[user];
    if (this.lastOf[user] === NONE) this.firstOf[user] = slot;
    else this.nextOf[this.lastOf[user]] = slot;
    this.lastOf[user] = slot;
  }

  private remove(slot: number): void {
    this.byId.delete(this.ids[slot]!);
    if (this.accessOf[slot] !== NO_RECORD) this.hashes.remove(this.accessOf[slot]);
    for (let record = this.refreshOf[slot]; record !== NO_RECORD;) {
      const spent = this.hashes.link(record);
      this.hashes.remove(record);
      record = spent;
    }
    const user = this.userOf[slot];
    const [previous, next] = [this.previousOf[slot], this.nextOf[slot]];
    if (previous === NONE) this.firstOf[user] = next;
    else this.nextOf[previous] = next;
    if (next === NONE) this.lastOf[user] = previous;
    else this.previousOf[next] = previous;
    const agent = this.agents[slot];
    if (agent !== null) this.agentPool.release(agent);
    this.ids[slot] = this.agents[slot] = this.ips[slot] = this.successors[slot] = null;
    this.nextOf[slot] = this.freeSlot;
    this.freeSlot = slot;
  }

  /** Evicts the oldest live sessions beyond `maxSessions`; never the one just created. */
  private evictBeyond(
    user: number,
    created: number,
    maxSessions: number | null,
    now: number,
  ): string[] {
    if (maxSessions === null) return [];
    const others: number[] = [];
    let total = 0;
    for (let slot = this.firstOf[user]; slot !== NONE; slot = this.nextOf[slot]) {
      total++;
      if (slot !== created && !this.isDead(slot, now)) others.push(slot);
    }
    if (total <= maxSessions) return [];
    others.sort((a, b) => this.times[a * FIELDS + CREATED] - this.times[b * FIELDS + CREATED]);
    const evicted: string[] = [];
    for (const victim of others.slice(0, others.length + 1 - maxSessions)) {
      evicted.push(this.ids[victim]!);
      this.remove(victim);
    }
    return evicted;
  }
}

/** `run()`'s result as a promise; a throw (a refused hash or id) becomes a rejection. */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    // Whatever was thrown, passed on as it is.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}
