import { BadRequestException, Injectable } from '@nestjs/common';
import { SessionCookies, type CsrfRequest, type IssuedTokens } from 'nest-sessions';
import type { HeaderTarget } from '../common/set-header.js';
import { toTokenPair, type CookieSession, type TokenPair } from './token-pair.js';

/**
 * How tokens travel between Chirp and its clients (`AUTH_TRANSPORT`), in one place:
 *
 * - `header`: login and refresh answer the token pair in JSON; the refresh token comes back
 *   in the JSON body of `POST /auth/refresh`.
 * - `cookie`: login and refresh set `HttpOnly` cookies (`SessionCookies`) and answer
 *   `{ tokenType: 'cookie', expiresIn[, csrfToken] }` with no token; the refresh token is
 *   read from its cookie only (a `refreshToken` in the body is ignored); login refuses
 *   cross-site requests (login CSRF); responses that end the caller's session expire the
 *   cookies.
 */
@Injectable()
export class AuthTransport {
  constructor(private readonly cookies: SessionCookies) {}

  /** Whether tokens travel in cookies. */
  get cookieMode(): boolean {
    return this.cookies.enabled;
  }

  /** Before a login: in cookie mode, a cross-site login is refused (403). */
  beforeLogin(request: CsrfRequest): void {
    if (this.cookieMode) this.cookies.assertTrustedOrigin(request);
  }

  /** The answer to a successful login. */
  signedIn(response: HeaderTarget, tokens: IssuedTokens): TokenPair | CookieSession {
    if (!this.cookieMode) return toTokenPair(tokens);
    const csrfToken = this.cookies.issue(response, tokens);
    return { tokenType: 'cookie', expiresIn: tokens.expiresIn, csrfToken };
  }

  /**
   * The refresh token presented: the cookie in cookie mode (after the CSRF defence, 403 on
   * failure), the body's `refreshToken` otherwise (400 without one). `null` means 401.
   */
  refreshToken(request: CsrfRequest, body: { refreshToken?: unknown }): string | null {
    if (this.cookieMode) return this.cookies.readRefreshToken(request);
    if (typeof body.refreshToken !== 'string') {
      throw new BadRequestException('refreshToken must be a string');
    }
    return body.refreshToken;
  }

  /** The answer to a successful refresh. */
  refreshed(response: HeaderTarget, tokens: IssuedTokens): TokenPair | CookieSession {
    if (!this.cookieMode) return toTokenPair(tokens);
    this.cookies.rotate(response, tokens);
    return { tokenType: 'cookie', expiresIn: tokens.expiresIn };
  }

  /** The caller's session ended (logout, revocation, failed refresh): expire its cookies. */
  signedOut(response: HeaderTarget): void {
    if (this.cookieMode) this.cookies.clear(response);
  }
}
