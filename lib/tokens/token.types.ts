/** Who a session is for, as handed to `TokenService.issue` at login. */
export interface SessionSubject {
  /** The user's id (1–255 characters). */
  readonly userId: string;
  /** The user's permissions, e.g. `['posts:create']`. */
  readonly permissions: readonly string[];
}

/** What is known about the client at login or refresh; shown when listing sessions. */
export interface ClientInfo {
  /** The `User-Agent` header (truncated to 256 characters). */
  readonly userAgent?: string | null;
  /** The client's IP address (truncated to 64 characters). */
  readonly ip?: string | null;
}

/** The answer to a login or refresh, ready to send as JSON. */
export interface IssuedTokens {
  /** The access token to send as `Authorization: Bearer <accessToken>`. */
  readonly accessToken: string;
  /** The refresh token, for `TokenService.refresh` only. */
  readonly refreshToken: string;
  /** Always `'Bearer'`. */
  readonly tokenType: 'Bearer';
  /** Seconds the access token lives (reference tokens: the idle timeout). */
  readonly expiresIn: number;
  /** The session's id. */
  readonly sessionId: string;
  /** The session's user. */
  readonly userId: string;
  /**
   * When the session ends at the latest, whatever its use: its absolute timeout (ms since
   * the Unix epoch). Cookies carrying these tokens live no longer.
   */
  readonly sessionExpiresAt: number;
}

/**
 * The verified caller, attached to the request by the guard and read with
 * `@CurrentSession()` / `@CurrentUser()`.
 */
export interface Principal {
  /** The user's id. */
  readonly userId: string;
  /** The session's id. */
  readonly sessionId: string;
  /** Permissions in effect for this request. */
  readonly permissions: ReadonlySet<string>;
  /** When this credential stops working at the latest (ms since the Unix epoch). */
  readonly expiresAt: number;
}
