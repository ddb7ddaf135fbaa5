/** Value of the `SameSite` attribute of the cookies the library sets. */
export type CookieSameSite = 'strict' | 'lax';

/**
 * The CSRF defence that applies whenever a cookie carries the credential (see
 * {@link SessionCookieOptions.csrf}). It cannot be switched off: cookie transport without
 * it would let any site act as the user.
 */
export interface CsrfOptions {
  /**
   * Name of the cookie holding the CSRF token: set at login next to the session cookie,
   * readable by the page's JavaScript (not `HttpOnly`), cleared at logout.
   * @default '__Host-csrf'
   */
  cookie?: string;

  /**
   * Request header the page copies the CSRF token into on every unsafe request
   * (`POST`, `PUT`, `PATCH`, `DELETE`, …). Case-insensitive, like every header name.
   * @default 'x-csrf-token'
   */
  header?: string;

  /**
   * Origins (`scheme://host[:port]`, exactly as browsers send them in `Origin`) trusted
   * besides the app's own host: e.g. a single-page app served from another subdomain, or
   * the public origin when a proxy rewrites `Host`. Never `*`, never `null`.
   * @default [] (only the request's own host)
   */
  allowedOrigins?: string[];
}

/**
 * Cookie transport: the access token travels in an `HttpOnly` cookie instead of (or
 * beside) the `Authorization` header, for browser apps that should never hold tokens in
 * JavaScript. Unset (the default), the guard reads the `Authorization` header only.
 *
 * With it set, the guard reads `Authorization` first; only when that header is absent
 * does it read the session cookie, and only under the exact configured name. Requests
 * authenticated by the cookie with an unsafe method must pass the CSRF defence
 * ({@link CsrfOptions}) or get 403 before anything else happens.
 *
 * Every cookie is `Secure` (browsers accept `Secure` cookies from `http://localhost` too),
 * has no `Domain`, and lives at most until the session's absolute timeout.
 *
 * @example
 * SessionModule.forRoot({ cookies: {} }) // the defaults below
 * SessionModule.forRoot({
 *   cookies: { refreshPath: '/api/auth/refresh', csrf: { allowedOrigins: ['https://app.example.com'] } },
 * })
 */
export interface SessionCookieOptions {
  /**
   * Name of the `HttpOnly` cookie carrying the access token, at `Path=/`. Keep the
   * `__Host-` prefix: browsers then refuse the cookie unless it is `Secure`, host-only
   * and at `Path=/`, so a sibling subdomain cannot plant one.
   * @default '__Host-session'
   */
  sessionCookie?: string;

  /**
   * Name of the `HttpOnly` cookie carrying the refresh token, sent only to
   * {@link refreshPath}. A `__Host-` name would force `Path=/`; `__Secure-` keeps the
   * `Secure` guarantee with a narrow path.
   * @default '__Secure-refresh'
   */
  refreshCookie?: string;

  /**
   * Path of the refresh cookie: the app's refresh route, so that no other request
   * carries the refresh token.
   * @default '/auth/refresh'
   */
  refreshPath?: string;

  /**
   * `SameSite` of every cookie. `'lax'` lets the session cookie ride along on top-level
   * navigations from other sites (links into the app stay signed in); unsafe methods
   * are protected by the CSRF defence either way. `'none'` is refused.
   * @default 'strict'
   */
  sameSite?: CookieSameSite;

  /** The CSRF defence's names and trusted origins. @default {} (see {@link CsrfOptions}) */
  csrf?: CsrfOptions;
}
