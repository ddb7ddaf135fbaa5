import type { SessionEvents } from '../events/session-events.js';
import type { ResolvedSessionOptions } from '../session-options.resolver.js';
import type { StoreGateway } from '../sessions/store-gateway.js';
import { isSessionLive, type SessionRecord } from '../stores/session-record.js';
import {
  generateOpaqueToken,
  generateSessionId,
  hashesEqual,
  hashToken,
  isOpaqueToken,
} from './opaque-token.js';
import { openSuccessor, sealSuccessor } from './successor-seal.js';
import { TokenService } from './token.service.js';
import type { ClientInfo, IssuedTokens, SessionSubject } from './token.types.js';

/** An access token minted for a session: the string, and the hash to store (reference only). */
export interface MintedAccessToken {
  /** The token handed to the client. */
  readonly token: string;
  /** SHA-256 hex to store and look up by, or `null` when the token is self-contained. */
  readonly hash: string | null;
}

/** How many times a refresh that lost a rotation race re-reads before giving up. */
const ROTATION_ATTEMPTS = 3;

function truncate(value: string | null | undefined, max: number): string | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  return value.length > max ? value.slice(0, max) : value;
}

function checkSubject(subject: SessionSubject): void {
  if (
    typeof subject?.userId !== 'string' ||
    subject.userId.length === 0 ||
    subject.userId.length > 255
  ) {
    throw new TypeError('nest-sessions: subject.userId must be a string of 1–255 characters');
  }
  if (
    !Array.isArray(subject.permissions) ||
    subject.permissions.some((p) => typeof p !== 'string')
  ) {
    throw new TypeError('nest-sessions: subject.permissions must be an array of strings');
  }
}

/**
 * The session lifecycle both strategies share: login creates a session with an opaque,
 * hashed refresh token; refresh rotates it (compare-and-swap in the store) with reuse
 * detection and a grace window; only the access token differs per strategy.
 */
export abstract class StoreBackedTokenService extends TokenService {
  constructor(
    protected readonly options: ResolvedSessionOptions,
    protected readonly gateway: StoreGateway,
    protected readonly events: SessionEvents,
  ) {
    super();
  }

  /**
   * Whether the access token is looked up by a stored hash (reference tokens: minted
   * before the session is saved) or self-contained (value tokens: minted after, since
   * they carry the session's epoch).
   */
  protected abstract readonly storesAccessHash: boolean;

  /** Mints the access token of `session` for `permissions` at `now`. */
  protected abstract mintAccessToken(
    session: Pick<SessionRecord, 'id' | 'userId' | 'expiresAt' | 'epoch'>,
    permissions: readonly string[],
    now: number,
  ): MintedAccessToken | Promise<MintedAccessToken>;

  /** Seconds the access token lives, for the `expiresIn` field. */
  protected abstract accessTokenSeconds(): number;

  /** @inheritdoc */
  async issue(subject: SessionSubject, client: ClientInfo = {}): Promise<IssuedTokens> {
    checkSubject(subject);
    const now = this.options.clock.now();
    const id = generateSessionId();
    const expiresAt = now + this.options.absoluteTimeout;
    const stored = this.storesAccessHash
      ? await this.mintAccessToken(
          { id, userId: subject.userId, expiresAt, epoch: 0 },
          subject.permissions,
          now,
        )
      : null;
    const refreshToken = generateOpaqueToken();
    const { epoch, evicted } = await this.gateway.run((store) =>
      store.create(
        {
          id,
          userId: subject.userId,
          accessHash: stored?.hash ?? null,
          refreshHash: hashToken(refreshToken),
          previousRefreshHash: null,
          rotatedAt: null,
          successor: null,
          createdAt: now,
          lastActiveAt: now,
          expiresAt,
          userAgent: truncate(client.userAgent, 256),
          ip: truncate(client.ip, 64),
        },
        { permissions: subject.permissions, maxSessions: this.options.maxSessionsPerUser, now },
      ),
    );
    const access =
      stored ??
      (await this.mintAccessToken(
        { id, userId: subject.userId, expiresAt, epoch },
        subject.permissions,
        now,
      ));
    this.events.emit({
      type: 'session.created',
      at: now,
      userId: subject.userId,
      sessionId: id,
      ip: truncate(client.ip, 64) ?? undefined,
    });
    for (const sessionId of evicted) {
      await this.onRevoked(sessionId, subject.userId);
      this.events.emit({
        type: 'session.revoked',
        at: now,
        userId: subject.userId,
        sessionId,
        reason: 'evicted',
      });
    }
    return this.answer(id, subject.userId, access.token, refreshToken, expiresAt);
  }

  /** @inheritdoc */
  async refresh(refreshToken: string, client: ClientInfo = {}): Promise<IssuedTokens | null> {
    if (!isOpaqueToken(refreshToken)) return null;
    const hash = hashToken(refreshToken);
    for (let attempt = 0; attempt < ROTATION_ATTEMPTS; attempt++) {
      const found = await this.gateway.run((store) => store.findByRefreshHash(hash));
      if (!found) return null;
      const now = this.options.clock.now();
      const { session, subject } = found;
      if (!isSessionLive(found, now)) return null;

      if (hashesEqual(session.refreshHash, hash)) {
        const access = await this.mintAccessToken(session, subject.permissions, now);
        const nextRefresh = generateOpaqueToken();
        const rotated = await this.gateway.run((store) =>
          store.rotate(session.id, hash, {
            accessHash: access.hash,
            refreshHash: hashToken(nextRefresh),
            successor: sealSuccessor(refreshToken, {
              accessToken: access.token,
              refreshToken: nextRefresh,
            }),
            rotatedAt: now,
          }),
        );
        if (rotated) {
          this.events.emit({
            type: 'session.refreshed',
            at: now,
            ip: truncate(client.ip, 64) ?? undefined,
            userId: session.userId,
            sessionId: session.id,
          });
          return this.answer(
            session.id,
            session.userId,
            access.token,
            nextRefresh,
            session.expiresAt,
          );
        }
        continue; // a concurrent refresh won the swap: read again, we are its predecessor now
      }

      const inGrace =
        session.previousRefreshHash !== null &&
        session.rotatedAt !== null &&
        session.successor !== null &&
        this.options.refreshGracePeriod > 0 &&
        now - session.rotatedAt <= this.options.refreshGracePeriod &&
        hashesEqual(session.previousRefreshHash, hash);
      if (inGrace) {
        const pair = openSuccessor(refreshToken, session.successor);
        if (pair)
          return this.answer(
            session.id,
            session.userId,
            pair.accessToken,
            pair.refreshToken,
            session.expiresAt,
          );
      }

      // A spent refresh token came back: someone holds a copy. Revoke the whole family.
      await this.gateway.run((store) => store.delete(session.id));
      await this.onRevoked(session.id, session.userId);
      this.events.emit({
        type: 'session.reuse-detected',
        at: now,
        ip: truncate(client.ip, 64) ?? undefined,
        userId: session.userId,
        sessionId: session.id,
        reason: 'refresh-token-reuse',
        tokenHashPrefix: hash.slice(0, 12),
      });
      return null;
    }
    return null;
  }

  /**
   * Called after the library itself revoked a session (reuse, eviction): tells the
   * strategy through {@link TokenService.revoked}, so value tokens stop at once too.
   */
  protected onRevoked(sessionId: string, userId: string): Promise<void> {
    return this.revoked({ kind: 'session', sessionId, userId });
  }

  private answer(
    sessionId: string,
    userId: string,
    accessToken: string,
    refreshToken: string,
    sessionExpiresAt: number,
  ): IssuedTokens {
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.accessTokenSeconds(),
      sessionId,
      userId,
      sessionExpiresAt,
    };
  }
}
