import type { IssuedTokens } from 'nest-sessions';

/** What `POST /auth/login` and `POST /auth/refresh` answer. */
export interface TokenPair {
  /** Send as `Authorization: Bearer <accessToken>`. */
  readonly accessToken: string;
  /** Spend at `POST /auth/refresh` for a new pair. */
  readonly refreshToken: string;
  /** Always `'Bearer'`. */
  readonly tokenType: 'Bearer';
  /** Seconds the access token lives if unused (reference tokens: the idle timeout). */
  readonly expiresIn: number;
}

/**
 * What `POST /auth/login` and `POST /auth/refresh` answer with `AUTH_TRANSPORT=cookie`: no
 * token (they are in `HttpOnly` cookies), their lifetime, and at login the CSRF token.
 */
export interface CookieSession {
  /** Always `'cookie'`: the browser sends the tokens back by itself. */
  readonly tokenType: 'cookie';
  /** Seconds the access token lives if unused (reference tokens: the idle timeout). */
  readonly expiresIn: number;
  /**
   * At login only: the CSRF token, also in the `__Host-csrf` cookie (readable by the page).
   * Send it as `X-CSRF-Token` with every `POST`, `PUT`, `PATCH` and `DELETE`.
   */
  readonly csrfToken?: string;
}

/** The client's view of issued tokens: the pair and its lifetime, no internal ids. */
export function toTokenPair(tokens: IssuedTokens): TokenPair {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
  };
}
