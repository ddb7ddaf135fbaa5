import type { PublicJwk } from '../jwt/jwt-keys.js';
import type { TokenStrategy } from '../session-options.interface.js';
import type { ClientInfo, IssuedTokens, Principal, SessionSubject } from './token.types.js';

/**
 * A revocation the session layer made, as the token strategy hears of it. Strategies whose
 * access tokens are verified without reading the store (value tokens) record it.
 */
export type Revocation =
  | { readonly kind: 'session'; readonly sessionId: string; readonly userId: string }
  | {
      readonly kind: 'user';
      readonly userId: string;
      /** The user's new epoch. */
      readonly epoch: number;
      /** The session kept, if any. */
      readonly keepSessionId: string | null;
    }
  | { readonly kind: 'all' };

/**
 * The token strategy: issues, verifies, refreshes and revokes sessions' tokens. The
 * abstract class is both the contract and the DI token: inject `TokenService` and the
 * module hands you the strategy chosen by the `strategy` option.
 *
 * Methods return `null` for an invalid credential and throw only for infrastructure
 * failures (`SessionStoreUnavailableException`, a 503).
 */
export abstract class TokenService {
  /** Which strategy this is. */
  abstract readonly strategy: TokenStrategy;

  /**
   * Logs a user in: creates a session and returns its first token pair.
   * @example
   * const tokens = await tokenService.issue({ userId: user.id, permissions }, { ip, userAgent });
   */
  abstract issue(subject: SessionSubject, client?: ClientInfo): Promise<IssuedTokens>;

  /** Checks an access token; the caller's principal, or `null` if it is not valid now. */
  abstract verify(accessToken: string): Promise<Principal | null>;

  /**
   * Spends a refresh token for a new pair (rotation). A spent token presented again
   * revokes the whole session, except the immediate predecessor within the grace
   * window, which gets the same successor pair. `null` if the token is not valid.
   */
  abstract refresh(refreshToken: string, client?: ClientInfo): Promise<IssuedTokens | null>;

  /**
   * Confirms a verified principal against the store, with the current permissions, for
   * routes marked `@RequireFreshSession()`. Reference tokens are always fresh: they were
   * just read from the store.
   * @returns the principal with current permissions, or `null` if the session is gone.
   */
  verifyFresh(principal: Principal): Promise<Principal | null> {
    return Promise.resolve(principal);
  }

  /**
   * The public keys that verify this strategy's access tokens, as a JSON Web Key Set, for
   * other services. Empty for reference tokens and HMAC-signed value tokens.
   */
  jwks(): { keys: PublicJwk[] } {
    return { keys: [] };
  }

  /** Hears of a revocation made through `SessionService`. Reference tokens need nothing. */
  revoked(_revocation: Revocation): Promise<void> {
    return Promise.resolve();
  }
}
