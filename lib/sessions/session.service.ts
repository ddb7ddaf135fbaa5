import { Inject, Injectable } from '@nestjs/common';
import { SessionEvents } from '../events/session-events.js';
import { SESSION_OPTIONS, type ResolvedSessionOptions } from '../session-options.resolver.js';
import { isSessionId } from '../tokens/opaque-token.js';
import { TokenService } from '../tokens/token.service.js';
import { StoreGateway } from './store-gateway.js';

/** A live session as listed to its user. Never contains a token or a token hash. */
export interface SessionInfo {
  /** The session's id. */
  readonly id: string;
  /** Login time (ms since the Unix epoch). */
  readonly createdAt: number;
  /** Last recorded activity (ms; recorded at most once per `touchInterval`). */
  readonly lastActiveAt: number;
  /** Absolute end of the session (ms). */
  readonly expiresAt: number;
  /** `User-Agent` at login. */
  readonly userAgent: string | null;
  /** Client IP at login. */
  readonly ip: string | null;
}

/** Options of {@link SessionService.revoke}. */
export interface RevokeOptions {
  /** Revoke only if the session belongs to this user (for "log out that device" endpoints). */
  readonly userId?: string;
  /** Why, for the `session.revoked` event. @default 'revoked' */
  readonly reason?: string;
}

/**
 * Managing sessions, whatever the token strategy: list a user's live sessions, revoke
 * one, revoke all (optionally keeping one), change the permissions in effect.
 *
 * @example
 * await sessions.revokeAll(user.id, { except: principal.sessionId }); // "log out other devices"
 */
@Injectable()
export class SessionService {
  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly gateway: StoreGateway,
    private readonly events: SessionEvents,
    private readonly tokens: TokenService,
  ) {}

  /** The user's live sessions, newest first. */
  async list(userId: string): Promise<SessionInfo[]> {
    const { subject, sessions } = await this.gateway.run((store) => store.listByUser(userId));
    if (!subject) return [];
    const now = this.options.clock.now();
    return sessions
      .filter((s) => s.expiresAt > now && s.epoch >= subject.epoch)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
      .map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastActiveAt: s.lastActiveAt,
        expiresAt: s.expiresAt,
        userAgent: s.userAgent,
        ip: s.ip,
      }));
  }

  /**
   * Revokes one session (logout): its access and refresh tokens stop working at once.
   * @returns `false` if there is no such live session (or it belongs to another user
   * when `options.userId` is given).
   */
  async revoke(sessionId: string, options: RevokeOptions = {}): Promise<boolean> {
    if (!isSessionId(sessionId)) return false;
    const found = await this.gateway.run((store) => store.findById(sessionId));
    if (!found) return false;
    const now = this.options.clock.now();
    const { session, subject } = found;
    const live = session.expiresAt > now && session.epoch >= subject.epoch;
    if (!live || (options.userId !== undefined && session.userId !== options.userId)) return false;
    // Announce first: if deleting then fails, the session is already refused (fail closed)
    // and a retry finds it still there to delete.
    await this.tokens.revoked({ kind: 'session', sessionId, userId: session.userId });
    const deleted = await this.gateway.run((store) => store.delete(sessionId));
    if (deleted) {
      this.events.emit({
        type: 'session.revoked',
        at: now,
        userId: session.userId,
        sessionId,
        reason: options.reason ?? 'revoked',
      });
    }
    return deleted;
  }

  /**
   * Revokes every session of the user in one write (an epoch bump, whatever the number of
   * sessions), except `options.except` if given.
   */
  async revokeAll(
    userId: string,
    options: { except?: string | null; reason?: string } = {},
  ): Promise<void> {
    const keepSessionId = options.except ?? null;
    const epoch = await this.gateway.run((store) => store.revokeAll(userId, keepSessionId));
    if (epoch !== null) await this.tokens.revoked({ kind: 'user', userId, epoch, keepSessionId });
    this.events.emit({
      type: 'session.revoked',
      at: this.options.clock.now(),
      userId,
      reason: options.reason ?? (options.except ? 'revoke-others' : 'revoke-all'),
    });
  }

  /**
   * Sets the permissions in effect for every session of the user. With reference tokens
   * they hold from the user's next request; value tokens carry them until they are
   * refreshed or expire (`@RequireFreshSession()` routes read the current ones).
   */
  async setPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    await this.gateway.run((store) => store.setPermissions(userId, permissions));
  }

  /**
   * Incident response ("change the secret key", without changing it): ends every session
   * of every user at once. Reference tokens and all refresh tokens stop at once. Value
   * tokens stop at once on this instance and within `jwt.revocationPollInterval` on the
   * others; those issued in the very second of the call (`iat` has one-second resolution)
   * are checked against the store, so a login right after the call works. Everyone has to
   * log in again.
   */
  async revokeEverything(): Promise<void> {
    await this.gateway.run((store) => store.clear());
    await this.tokens.revoked({ kind: 'all' });
    this.events.emit({
      type: 'session.revoked',
      at: this.options.clock.now(),
      reason: 'revoke-everything',
    });
  }
}
