/**
 * One session as a store keeps it: a login, its current access and refresh token
 * hashes, and the bookkeeping that rotation, expiry and listing need.
 * All times are milliseconds since the Unix epoch. No raw token is ever part of it.
 */
export interface SessionRecord {
  /** Public session id (22 base64url characters). Not a credential. */
  readonly id: string;
  /** The user the session belongs to. */
  readonly userId: string;
  /** SHA-256 hex of the current reference access token; `null` for value (JWT) tokens. */
  readonly accessHash: string | null;
  /** SHA-256 hex of the current refresh token. */
  readonly refreshHash: string;
  /** SHA-256 hex of the refresh token spent at the last rotation, if any. */
  readonly previousRefreshHash: string | null;
  /** When the last rotation happened; starts the grace window for `previousRefreshHash`. */
  readonly rotatedAt: number | null;
  /** The pair issued at the last rotation, sealed under the spent refresh token. */
  readonly successor: string | null;
  /** The user's revocation epoch when this session was created (or kept). */
  readonly epoch: number;
  /** When the user logged in. */
  readonly createdAt: number;
  /** Last recorded activity (written at most once per touch interval). */
  readonly lastActiveAt: number;
  /** Absolute end of the session. Nothing extends it. */
  readonly expiresAt: number;
  /** `User-Agent` at login, truncated; `null` if unknown. */
  readonly userAgent: string | null;
  /** Client IP at login; `null` if unknown. */
  readonly ip: string | null;
}

/**
 * What a store keeps per user: the permissions in effect for all of the user's
 * sessions and the revocation epoch. Bumping the epoch revokes every session created
 * before it in one write, whatever their number.
 */
export interface SubjectRecord {
  /** The user. */
  readonly userId: string;
  /** Permissions in effect, read at every verification of a reference token. */
  readonly permissions: readonly string[];
  /** Sessions whose `epoch` is lower than this are revoked. */
  readonly epoch: number;
}

/** A session together with its user's subject record, as returned by lookups. */
export interface StoredSession {
  /** The session. */
  readonly session: SessionRecord;
  /** Its user's subject record. */
  readonly subject: SubjectRecord;
}

/** The fields of a new session; the store fills in `epoch` from the subject. */
export type NewSessionRecord = Omit<SessionRecord, 'epoch'>;

/** The fields a rotation writes, all at once, if and only if the expected refresh hash is current. */
export interface SessionRotation {
  /** Hash of the new access token (`null` for value tokens). */
  readonly accessHash: string | null;
  /** Hash of the new refresh token. */
  readonly refreshHash: string;
  /** The new pair, sealed under the spent refresh token (see `sealSuccessor`). */
  readonly successor: string;
  /** Time of the rotation; also becomes `lastActiveAt`, unless that is already later. */
  readonly rotatedAt: number;
}

/** A user's sessions as listed by a store, with the subject record needed to judge them. */
export interface UserSessions {
  /** The user's subject record, or `null` if the store has never seen the user. */
  readonly subject: SubjectRecord | null;
  /** Every stored session of the user, live or not; the caller filters. */
  readonly sessions: readonly SessionRecord[];
}

/** Whether a stored session is alive at `now`: not past its absolute end and not revoked by epoch. */
export function isSessionLive(stored: StoredSession, now: number): boolean {
  return stored.session.expiresAt > now && stored.session.epoch >= stored.subject.epoch;
}
