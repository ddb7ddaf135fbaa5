import type { RevocationNotice } from '../jwt/revocation-notice.js';
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

interface Entry {
  session: SessionRecord;
  /** Every refresh hash ever issued for this session (for reuse detection and cleanup). */
  readonly refreshHashes: string[];
}

/**
 * Sessions in process memory: the default store. Fastest, but sessions die with the
 * process and are not shared between instances (see the README's storage table).
 *
 * Every operation is synchronous under the hood, so rotation and revocation are
 * atomic by construction. Expired and revoked sessions are removed by the module's
 * sweeper (`sweepInterval`). Records are immutable: lookups hand out the store's own
 * objects without copying (the hot path allocates nothing but the answer).
 *
 * @example
 * SessionModule.forRoot({ store: new MemorySessionStore() });
 */
export class MemorySessionStore extends SessionStore {
  override readonly local = true;

  private readonly byId = new Map<string, Entry>();
  private readonly byAccess = new Map<string, Entry>();
  private readonly byRefresh = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<Entry>>();
  private readonly subjects = new Map<string, SubjectRecord>();
  private notices: RevocationNotice[] = [];

  /** Number of sessions held, live or not yet swept. */
  get size(): number {
    return this.byId.size;
  }

  /** @inheritdoc */
  create(session: NewSessionRecord, options: CreateSessionOptions): Promise<CreatedSession> {
    const previous = this.subjects.get(session.userId);
    const subject: SubjectRecord = {
      userId: session.userId,
      permissions: [...options.permissions],
      epoch: previous?.epoch ?? 0,
    };
    this.subjects.set(session.userId, subject);
    const entry: Entry = {
      session: { ...session, epoch: subject.epoch },
      refreshHashes: [session.refreshHash],
    };
    this.byId.set(session.id, entry);
    if (session.accessHash !== null) this.byAccess.set(session.accessHash, entry);
    this.byRefresh.set(session.refreshHash, entry);
    let userEntries = this.byUser.get(session.userId);
    if (!userEntries) {
      userEntries = new Set();
      this.byUser.set(session.userId, userEntries);
    }
    userEntries.add(entry);
    return Promise.resolve({
      epoch: subject.epoch,
      evicted: this.evictBeyond(session.userId, session.id, options.maxSessions, options.now),
    });
  }

  /** @inheritdoc */
  findByAccessHash(accessHash: string): Promise<StoredSession | null> {
    return Promise.resolve(this.stored(this.byAccess.get(accessHash)));
  }

  /** @inheritdoc */
  findByRefreshHash(refreshHash: string): Promise<StoredSession | null> {
    return Promise.resolve(this.stored(this.byRefresh.get(refreshHash)));
  }

  /** @inheritdoc */
  findById(sessionId: string): Promise<StoredSession | null> {
    return Promise.resolve(this.stored(this.byId.get(sessionId)));
  }

  /** @inheritdoc */
  touch(sessionId: string, lastActiveAt: number): Promise<void> {
    const entry = this.byId.get(sessionId);
    if (entry && entry.session.lastActiveAt < lastActiveAt) {
      entry.session = { ...entry.session, lastActiveAt };
    }
    return Promise.resolve();
  }

  /** @inheritdoc */
  rotate(
    sessionId: string,
    expectedRefreshHash: string,
    rotation: SessionRotation,
  ): Promise<boolean> {
    const entry = this.byId.get(sessionId);
    if (!entry || entry.session.refreshHash !== expectedRefreshHash) return Promise.resolve(false);
    const old = entry.session;
    if (old.accessHash !== null) this.byAccess.delete(old.accessHash);
    entry.session = {
      ...old,
      accessHash: rotation.accessHash,
      refreshHash: rotation.refreshHash,
      previousRefreshHash: old.refreshHash,
      rotatedAt: rotation.rotatedAt,
      successor: rotation.successor,
      lastActiveAt: Math.max(old.lastActiveAt, rotation.rotatedAt),
    };
    if (rotation.accessHash !== null) this.byAccess.set(rotation.accessHash, entry);
    this.byRefresh.set(rotation.refreshHash, entry);
    entry.refreshHashes.push(rotation.refreshHash);
    return Promise.resolve(true);
  }

  /** @inheritdoc */
  delete(sessionId: string): Promise<boolean> {
    const entry = this.byId.get(sessionId);
    if (!entry) return Promise.resolve(false);
    this.remove(entry);
    return Promise.resolve(true);
  }

  /** @inheritdoc */
  revokeAll(userId: string, keepSessionId: string | null): Promise<number | null> {
    const subject = this.subjects.get(userId);
    if (!subject) return Promise.resolve(null);
    const epoch = subject.epoch + 1;
    this.subjects.set(userId, { ...subject, epoch });
    const kept = keepSessionId === null ? undefined : this.byId.get(keepSessionId);
    if (kept && kept.session.userId === userId && kept.session.epoch === subject.epoch) {
      kept.session = { ...kept.session, epoch };
    }
    return Promise.resolve(epoch);
  }

  /** @inheritdoc */
  listByUser(userId: string): Promise<UserSessions> {
    const entries = this.byUser.get(userId);
    return Promise.resolve({
      subject: this.subjects.get(userId) ?? null,
      sessions: entries ? [...entries].map((e) => e.session) : [],
    });
  }

  /** @inheritdoc */
  setPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    const subject = this.subjects.get(userId);
    this.subjects.set(userId, {
      userId,
      permissions: [...permissions],
      epoch: subject?.epoch ?? 0,
    });
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
    for (const entry of this.byId.values()) {
      if (this.isDead(entry, now)) {
        this.remove(entry);
        removed++;
      }
    }
    return Promise.resolve(removed);
  }

  /** @inheritdoc */
  clear(): Promise<void> {
    this.byId.clear();
    this.byAccess.clear();
    this.byRefresh.clear();
    this.byUser.clear();
    return Promise.resolve();
  }

  private stored(entry: Entry | undefined): StoredSession | null {
    if (!entry) return null;
    const subject = this.subjects.get(entry.session.userId);
    // A session without a subject cannot exist; treat it as gone rather than crash.
    return subject ? { session: entry.session, subject } : null;
  }

  private isDead(entry: Entry, now: number): boolean {
    const subject = this.subjects.get(entry.session.userId);
    return entry.session.expiresAt <= now || !subject || entry.session.epoch < subject.epoch;
  }

  private remove(entry: Entry): void {
    const { session } = entry;
    this.byId.delete(session.id);
    if (session.accessHash !== null && this.byAccess.get(session.accessHash) === entry) {
      this.byAccess.delete(session.accessHash);
    }
    for (const hash of entry.refreshHashes) this.byRefresh.delete(hash);
    const userEntries = this.byUser.get(session.userId);
    userEntries?.delete(entry);
    if (userEntries?.size === 0) this.byUser.delete(session.userId);
  }

  /** Evicts the oldest live sessions beyond `maxSessions`; never the one just created. */
  private evictBeyond(
    userId: string,
    createdId: string,
    maxSessions: number | null,
    now: number,
  ): string[] {
    const entries = this.byUser.get(userId);
    if (maxSessions === null || !entries || entries.size <= maxSessions) return [];
    const others = [...entries]
      .filter((e) => e.session.id !== createdId && !this.isDead(e, now))
      .sort((a, b) => a.session.createdAt - b.session.createdAt);
    const evicted: string[] = [];
    for (let i = 0; i < others.length + 1 - maxSessions; i++) {
      const victim = others[i];
      evicted.push(victim.session.id);
      this.remove(victim);
    }
    return evicted;
  }
}
