import type { TokenStrategy } from '../session-options.interface.js';
import type { ClientInfo, IssuedTokens, Principal, SessionSubject } from './token.types.js';

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
}
