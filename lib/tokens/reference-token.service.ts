import { Inject, Injectable } from '@nestjs/common';
import { SessionEvents } from '../events/session-events.js';
import { SESSION_OPTIONS, type ResolvedSessionOptions } from '../session-options.resolver.js';
import { StoreGateway } from '../sessions/store-gateway.js';
import { isSessionLive } from '../stores/session-record.js';
import { generateOpaqueToken, hashToken, isOpaqueToken } from './opaque-token.js';
import { StoreBackedTokenService, type MintedAccessToken } from './store-backed-token.service.js';
import type { Principal } from './token.types.js';

/**
 * Reference tokens: the access token is 256 random bits (base64url, 43 characters) and
 * the store keeps only its SHA-256. Every verification reads the store, so logout,
 * revocation and permission changes hold from the very next request.
 *
 * Verification order: shape check (no I/O for garbage) → store lookup by hash →
 * absolute expiry → revocation epoch → idle timeout → throttled `lastActiveAt` write.
 */
@Injectable()
export class ReferenceTokenService extends StoreBackedTokenService {
  /** @inheritdoc */
  readonly strategy = 'reference' as const;

  constructor(
    @Inject(SESSION_OPTIONS) options: ResolvedSessionOptions,
    gateway: StoreGateway,
    events: SessionEvents,
  ) {
    super(options, gateway, events);
  }

  /** @inheritdoc */
  async verify(accessToken: string): Promise<Principal | null> {
    if (!isOpaqueToken(accessToken)) return null;
    const found = await this.gateway.run((store) => store.findByAccessHash(hashToken(accessToken)));
    if (!found) return null;
    const now = this.options.clock.now();
    const { session, subject } = found;
    if (!isSessionLive(found, now)) return null;
    const idleFor = now - session.lastActiveAt;
    if (idleFor >= this.options.idleTimeout) return null;
    if (idleFor >= this.options.touchInterval) {
      // Recording activity must not fail or slow the request; the gateway logs failures.
      this.gateway.run((store) => store.touch(session.id, now)).catch(() => undefined);
    }
    return {
      userId: session.userId,
      sessionId: session.id,
      permissions: new Set(subject.permissions),
      expiresAt: Math.min(
        (idleFor >= this.options.touchInterval ? now : session.lastActiveAt) +
          this.options.idleTimeout,
        session.expiresAt,
      ),
    };
  }

  protected readonly storesAccessHash = true;

  protected mintAccessToken(): MintedAccessToken {
    const token = generateOpaqueToken();
    return { token, hash: hashToken(token) };
  }

  protected accessTokenSeconds(): number {
    return Math.floor(this.options.idleTimeout / 1000);
  }
}
