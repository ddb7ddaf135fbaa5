import { isSessionLive, type StoredSession } from '../stores/session-record.js';

/** What one invalidation names, as the local layer applies it. */
export interface LocalInvalidation {
  /** Users all of whose cached sessions are dropped. */
  readonly users: readonly string[];
  /** Sessions dropped by id. */
  readonly sessions: readonly string[];
  /** Drop everything (incident response, a lost sync). */
  readonly all: boolean;
  /**
   * A sweep ran with this `now` (ms): sessions not live at it are dropped, the ones it deleted
   * among them. `null` if none.
   */
  readonly sweep: number | null;
}

interface Entry {
  stored: StoredSession;
  readonly accessHash: string | null;
  /** Local expiry (ms since the Unix epoch, `Date.now()` clock). */
  readonly expiresAt: number;
}

/** How many recent invalidations are remembered to judge fills that were in flight. */
const LOG_SIZE = 256;

/**
 * Whether `invalidation` makes `stored` stale. For a sweep, the session's own record decides:
 * a held entry is what the database holds, up to writes whose invalidation is still on its
 * way (which drops the entry anyway), so it is dead by the sweep's rule (the store's
 * `deleteExpired` contract) exactly when the sweep deleted it.
 */
function names(invalidation: LocalInvalidation, stored: StoredSession): boolean {
  const { id, userId } = stored.session;
  return (
    invalidation.all ||
    invalidation.users.includes(userId) ||
    invalidation.sessions.includes(id) ||
    (invalidation.sweep !== null && !isSessionLive(stored, invalidation.sweep))
  );
}

/**
 * The in-process layer of {@link TieredSessionStore}: a bounded, TTL'd map of sessions by id,
 * indexed by access hash and by user, plus a short log of recent invalidations.
 *
 * - Bounded: at most `capacity` sessions; inserting beyond it evicts the entry filled longest
 *   ago. With every entry living at most `ttl` ms, that is the one that would expire first,
 *   so insertion order is as good as LRU here and keeps a hit free of bookkeeping.
 * - A hit costs two `Map` lookups and a clock read; nothing is copied (records are immutable).
 * - The log answers "was this user or session invalidated since my read started?", so a read
 *   that raced a write never fills the layer with what it read before the write.
 *
 * Not a general-purpose cache: it holds {@link StoredSession}s for one store instance.
 *
 * @example
 * const cache = new LocalSessionCache(10_000, 5_000);
 * const mark = cache.mark();
 * const stored = await database.findByAccessHash(hash);
 * if (stored && cache.canFill(mark, stored)) cache.set(stored, Date.now());
 */
export class LocalSessionCache {
  private readonly byId = new Map<string, Entry>();
  private readonly byAccess = new Map<string, Entry>();
  private readonly byUser = new Map<string, Set<Entry>>();
  private sequence = 0;
  private readonly log: (LocalInvalidation | undefined)[] = new Array<undefined>(LOG_SIZE);

  /**
   * @param capacity most sessions held; `0` disables the layer (every `get` misses).
   * @param ttl ms an entry may be served after it was filled.
   */
  constructor(
    readonly capacity: number,
    readonly ttl: number,
  ) {}

  /** Sessions held (some perhaps past their local expiry, not yet overwritten). */
  get size(): number {
    return this.byId.size;
  }

  /** The session whose current access hash is `accessHash`, if held and fresh at `now` (ms). */
  getByAccess(accessHash: string, now: number): StoredSession | undefined {
    const entry = this.byAccess.get(accessHash);
    return entry !== undefined && entry.expiresAt > now ? entry.stored : undefined;
  }

  /** The session with id `sessionId`, if held and fresh at `now` (ms). */
  getById(sessionId: string, now: number): StoredSession | undefined {
    const entry = this.byId.get(sessionId);
    return entry !== undefined && entry.expiresAt > now ? entry.stored : undefined;
  }

  /** Position in the invalidation log; take it before starting a read meant to fill the layer. */
  mark(): number {
    return this.sequence;
  }

  /**
   * Whether `stored`, read after {@link mark} returned `mark`, may be kept: no invalidation
   * naming its user or session (or everything) was applied since.
   */
  canFill(mark: number, stored: StoredSession): boolean {
    if (this.capacity === 0) return false;
    if (mark === this.sequence) return true;
    if (this.sequence - mark >= LOG_SIZE) return false;
    for (let n = mark + 1; n <= this.sequence; n++) {
      const entry = this.log[n % LOG_SIZE];
      if (entry === undefined || names(entry, stored)) return false;
    }
    return true;
  }

  /** Holds `stored` until `now + ttl`, replacing any entry of the same session. */
  set(stored: StoredSession, now: number): void {
    if (this.capacity === 0) return;
    const { session } = stored;
    this.remove(session.id);
    while (this.byId.size >= this.capacity) {
      const oldest = this.byId.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
    const entry: Entry = { stored, accessHash: session.accessHash, expiresAt: now + this.ttl };
    this.byId.set(session.id, entry);
    if (session.accessHash !== null) this.byAccess.set(session.accessHash, entry);
    let entries = this.byUser.get(session.userId);
    if (entries === undefined) {
      entries = new Set();
      this.byUser.set(session.userId, entries);
    }
    entries.add(entry);
  }

  /**
   * Moves the held session's `lastActiveAt` forward to `lastActiveAt` (never backwards).
   * @returns whether the session was held.
   */
  touch(sessionId: string, lastActiveAt: number): boolean {
    const entry = this.byId.get(sessionId);
    if (entry === undefined) return false;
    const { session, subject } = entry.stored;
    if (session.lastActiveAt < lastActiveAt) {
      entry.stored = { session: { ...session, lastActiveAt }, subject };
    }
    return true;
  }

  /** Applies an invalidation: drops what it names and records it in the log. */
  invalidate(invalidation: LocalInvalidation): void {
    this.sequence++;
    this.log[this.sequence % LOG_SIZE] = invalidation;
    if (invalidation.all) {
      this.byId.clear();
      this.byAccess.clear();
      this.byUser.clear();
      return;
    }
    for (const userId of invalidation.users) {
      const entries = this.byUser.get(userId);
      if (entries === undefined) continue;
      for (const entry of [...entries]) this.remove(entry.stored.session.id);
    }
    for (const sessionId of invalidation.sessions) this.remove(sessionId);
    const { sweep } = invalidation;
    if (sweep === null) return;
    for (const [sessionId, entry] of this.byId) {
      if (!isSessionLive(entry.stored, sweep)) this.remove(sessionId);
    }
  }

  private remove(sessionId: string): void {
    const entry = this.byId.get(sessionId);
    if (entry === undefined) return;
    this.byId.delete(sessionId);
    if (entry.accessHash !== null && this.byAccess.get(entry.accessHash) === entry) {
      this.byAccess.delete(entry.accessHash);
    }
    const userId = entry.stored.session.userId;
    const entries = this.byUser.get(userId);
    entries?.delete(entry);
    if (entries?.size === 0) this.byUser.delete(userId);
  }
}
