import type { RevocationNotice } from '../jwt/revocation-notice.js';
import type {
  NewSessionRecord,
  SessionRotation,
  StoredSession,
  UserSessions,
} from './session-record.js';

/** Options of {@link SessionStore.create}. */
export interface CreateSessionOptions {
  /** Permissions in effect for the user from now on (written to the subject record). */
  readonly permissions: readonly string[];
  /** Keep at most this many live sessions for the user, evicting the oldest; `null` = no limit. */
  readonly maxSessions: number | null;
  /** Current time, milliseconds since the Unix epoch. */
  readonly now: number;
}

/** What {@link SessionStore.create} reports. */
export interface CreatedSession {
  /** The epoch the new session was stamped with (the user's current one). */
  readonly epoch: number;
  /** Ids of sessions evicted to respect `maxSessions`, oldest first. */
  readonly evicted: string[];
}

/** A running {@link SessionStore.watchRevocations} subscription. */
export interface RevocationWatch {
  /** Stops the pushes and releases the connection they came on. */
  close(): Promise<void>;
}

/**
 * Where sessions live. The abstract class is both the contract and the DI token.
 *
 * Rules every implementation keeps (the store contract suite in `test/` checks them):
 * - lookups return `null` for "not found" and throw only for infrastructure failures
 *   (a thrown error becomes a 503, never a 401);
 * - only hashes are stored, never raw tokens;
 * - `rotate` is atomic: of N concurrent calls with the same expected hash, exactly one wins;
 * - `revokeAll` is one write, whatever the number of sessions.
 *
 * Stores do not judge expiry beyond what is documented per method; the token services do.
 */
export abstract class SessionStore {
  /**
   * `true` for stores answering from process memory. The library skips the
   * per-call timeout for them; remote stores keep it.
   */
  readonly local: boolean = false;

  /**
   * Saves a new session, stamping it with the user's current epoch, and sets the
   * user's permissions in effect. Never evicts the session it creates.
   */
  abstract create(
    session: NewSessionRecord,
    options: CreateSessionOptions,
  ): Promise<CreatedSession>;

  /** The session whose current access token hashes to `accessHash`, with its subject. */
  abstract findByAccessHash(accessHash: string): Promise<StoredSession | null>;

  /**
   * The session that `refreshHash` was ever issued for (current, previous or older
   * spent token), with its subject. Older spent tokens must be found too: that is how
   * reuse of a stolen refresh token is detected.
   */
  abstract findByRefreshHash(refreshHash: string): Promise<StoredSession | null>;

  /** The session with id `sessionId`, with its subject. */
  abstract findById(sessionId: string): Promise<StoredSession | null>;

  /** Records activity: sets `lastActiveAt` (never moves it backwards). */
  abstract touch(sessionId: string, lastActiveAt: number): Promise<void>;

  /**
   * Compare-and-swap rotation: if the session's current refresh hash is
   * `expectedRefreshHash`, makes it the previous one and applies `rotation`.
   * @returns `true` if this call rotated, `false` if the session is gone or was rotated already.
   */
  abstract rotate(
    sessionId: string,
    expectedRefreshHash: string,
    rotation: SessionRotation,
  ): Promise<boolean>;

  /** Deletes a session and every token issued for it. @returns whether it existed. */
  abstract delete(sessionId: string): Promise<boolean>;

  /**
   * Revokes every session of `userId` by bumping the user's epoch, except
   * `keepSessionId` (if given and live), which is moved to the new epoch in the same atomic step.
   * @returns the user's new epoch, or `null` if the store has never seen the user.
   */
  abstract revokeAll(userId: string, keepSessionId: string | null): Promise<number | null>;

  /** Every stored session of `userId`, with the subject record to judge them by. */
  abstract listByUser(userId: string): Promise<UserSessions>;

  /** Sets the permissions in effect for all of `userId`'s sessions, from their next request. */
  abstract setPermissions(userId: string, permissions: readonly string[]): Promise<void>;

  /**
   * Records a revocation for instances verifying value tokens without reading the store.
   * Every store shared by several instances must make it readable by all of them.
   */
  abstract publishRevocation(notice: RevocationNotice): Promise<void>;

  /** The revocation notices published at or after `since` (ms), not yet forgettable. */
  abstract readRevocations(since: number): Promise<RevocationNotice[]>;

  /**
   * Deletes sessions past their absolute end or revoked by epoch, and their tokens, and
   * forgets revocation notices past their `expiresAt`.
   * @returns the number of sessions deleted.
   */
  abstract deleteExpired(now: number): Promise<number>;

  /** Deletes every session of every user (incident response). Subject records stay. */
  abstract clear(): Promise<void>;

  /**
   * Pushes the revocation notices any instance publishes to `listener` as they are
   * published, if the store can (the Redis and tiered stores, over a pub/sub channel);
   * `null` if it cannot, which is the default. Pushes are not replayed: `onSubscribed` is
   * called once the subscription is made and again whenever it is made anew after a lost
   * connection, so that the caller reads what it may have missed (`readRevocations`).
   * The value-token strategy calls it once at start-up and closes the watch at shutdown.
   */
  watchRevocations(
    listener: (notice: RevocationNotice) => void,
    onSubscribed?: () => void,
  ): RevocationWatch | null {
    void listener;
    void onSubscribed;
    return null;
  }

  /** Releases timers and connections the store itself opened. Optional. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
