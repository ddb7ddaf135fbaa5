/** Names of the events the library emits. */
export type SessionEventType =
  | 'session.created'
  | 'session.refreshed'
  | 'session.revoked'
  | 'session.reuse-detected'
  | 'session.permission-denied'
  | 'session.token-rejected'
  | 'session.csrf-rejected';

/**
 * A session lifecycle or security event. It carries ids and a token-hash prefix at
 * most, never a raw token, password or secret, so it can go to logs as it is.
 */
export interface SessionEvent {
  /** What happened. */
  readonly type: SessionEventType;
  /** When, in milliseconds since the Unix epoch. */
  readonly at: number;
  /** The user, when known. */
  readonly userId?: string;
  /** The session, when known. */
  readonly sessionId?: string;
  /** Why a session was revoked or a request refused, e.g. `"logout"`, `"reuse"`, `"evicted"`. */
  readonly reason?: string;
  /** The permissions a denied request lacked. */
  readonly permissions?: readonly string[];
  /** The client's IP address, when known. */
  readonly ip?: string;
  /** First 12 hex characters of the SHA-256 of a rejected token, to correlate without exposing it. */
  readonly tokenHashPrefix?: string;
}

/** A function that receives every {@link SessionEvent}. */
export type SessionEventHandler = (event: SessionEvent) => void;
