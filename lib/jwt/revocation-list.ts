import type { RevocationNotice } from './revocation-notice.js';

/** The claims of a verified value token that revocation is judged by. */
export interface RevocationClaims {
  /** User id. */
  readonly sub: string;
  /** Session id. */
  readonly sid: string;
  /** The session's epoch when the token was minted. */
  readonly ep: number;
  /** Issued at, in seconds. */
  readonly iat: number;
}

interface UserRevocation {
  readonly epoch: number;
  readonly keepSessionId: string | null;
  readonly expiresAt: number;
}

/**
 * The revocations an instance knows about, in process memory, checked at every
 * verification of a value token without I/O: three map lookups.
 */
export class RevocationList {
  private readonly seen = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly users = new Map<string, UserRevocation[]>();
  /** Second (`iat`) of the latest incident-wide revocation; tokens of earlier seconds are revoked. */
  private incidentSecond = -1;
  private allExpiresAt = 0;

  /** Number of notices held (for tests and metrics). */
  get size(): number {
    return this.seen.size;
  }

  /** Applies a notice; applying the same notice twice is harmless. @returns whether it was new. */
  apply(notice: RevocationNotice): boolean {
    if (this.seen.has(notice.id)) return false;
    this.seen.set(notice.id, notice.expiresAt);
    if (notice.kind === 'session') {
      this.sessions.set(
        notice.sessionId,
        Math.max(this.sessions.get(notice.sessionId) ?? 0, notice.expiresAt),
      );
    } else if (notice.kind === 'user') {
      // Keep every user notice (a few per user at most, until they expire): a token is
      // revoked by any notice of a later epoch that did not keep its session, so a session
      // kept by two "log out other devices" in a row stays kept, in any order of arrival.
      const list = this.users.get(notice.userId) ?? [];
      list.push({
        epoch: notice.epoch,
        keepSessionId: notice.keepSessionId,
        expiresAt: notice.expiresAt,
      });
      this.users.set(notice.userId, list);
    } else {
      // iat has one-second resolution: earlier seconds are revoked, this one goes to the store.
      this.incidentSecond = Math.max(this.incidentSecond, Math.floor(notice.at / 1000));
      this.allExpiresAt = Math.max(this.allExpiresAt, notice.expiresAt);
    }
    return true;
  }

  /** Whether a token with these claims is revoked. */
  isRevoked(claims: RevocationClaims): boolean {
    if (claims.iat < this.incidentSecond) return true;
    if (this.sessions.has(claims.sid)) return true;
    const notices = this.users.get(claims.sub);
    if (!notices) return false;
    return notices.some((n) => claims.ep < n.epoch && claims.sid !== n.keepSessionId);
  }

  /**
   * Whether a token was issued in the very second of an incident-wide revocation. `iat` has
   * one-second resolution, so such a token may predate the revocation or follow it (a new
   * login): only the store can tell, and the caller must ask it.
   */
  needsStoreCheck(claims: RevocationClaims): boolean {
    return claims.iat === this.incidentSecond;
  }

  /** Forgets notices whose tokens have all expired by `now` (ms). */
  prune(now: number): void {
    for (const [id, expiresAt] of this.seen) if (expiresAt <= now) this.seen.delete(id);
    for (const [sid, expiresAt] of this.sessions) if (expiresAt <= now) this.sessions.delete(sid);
    for (const [userId, notices] of this.users) {
      const live = notices.filter((n) => n.expiresAt > now);
      if (live.length === 0) this.users.delete(userId);
      else this.users.set(userId, live);
    }
    if (this.allExpiresAt <= now) this.incidentSecond = -1;
  }
}
