import type { Clock } from './clock.js';
import type { SessionCookieOptions } from './cookies/cookie-options.interface.js';
import type { SessionEventHandler } from './events/session-event.js';
import type { JwtStrategyOptions } from './jwt/jwt-options.interface.js';
import type { PasswordHasher } from './passwords/password-hasher.js';
import type { SessionStore } from './stores/session.store.js';

/** Which kind of access token the module issues. */
export type TokenStrategy = 'reference' | 'value';

/**
 * Options of `SessionModule.forRoot` / `forRootAsync`. Every duration is in
 * milliseconds. Everything is optional; defaults are listed per option.
 */
export interface SessionModuleOptions {
  /**
   * `'reference'`: the access token is a random opaque string looked up in the store
   * at every request (revocation and permission changes hold from the next request).
   * `'value'`: the access token is a signed JWT verified without reading the store; needs `jwt`.
   * @default 'reference'
   */
  strategy?: TokenStrategy;

  /** Value-token (JWT) options; required with `strategy: 'value'`, refused otherwise. */
  jwt?: JwtStrategyOptions;

  /**
   * Where sessions live. Build it in `useFactory` with your own `DataSource` or Redis client.
   * @default new MemorySessionStore()
   */
  store?: SessionStore;

  /**
   * Idle timeout in ms of reference access tokens: one unused for this long stops working
   * (the session can still be refreshed until `absoluteTimeout`). Use extends it, in steps of
   * `touchInterval`. Value tokens expire after `jwt.accessTokenTtl` instead.
   * @default 900_000 (15 minutes)
   */
  idleTimeout?: number;

  /**
   * Absolute session lifetime in ms, counted from login. Nothing extends it, not refreshes either.
   * @default 1_209_600_000 (14 days)
   */
  absoluteTimeout?: number;

  /**
   * Minimum ms between two writes of `lastActiveAt` for one session, so that not every
   * request writes. The idle timeout can therefore end up to this much early, never late.
   * @default min(60_000, idleTimeout / 4)
   */
  touchInterval?: number;

  /**
   * Grace window in ms during which the refresh token spent by the last rotation, replayed
   * (two tabs refreshing at once), gets the same successor pair instead of revoking the session.
   * `0` disables it.
   * @default 5_000
   */
  refreshGracePeriod?: number;

  /**
   * Maximum live sessions per user; at login beyond it the oldest session is revoked.
   * `null` means no limit.
   * @default null
   */
  maxSessionsPerUser?: number | null;

  /**
   * Timeout in ms of every call to a remote store; past it the request answers 503. Calls
   * share one timer per slice of `min(50, storeTimeout / 10)` ms, so a call may run that
   * much longer before it is cut off, never shorter.
   * @default 2_000
   */
  storeTimeout?: number;

  /**
   * Interval in ms of the sweep that deletes expired and revoked sessions from the store.
   * `0` disables the sweep (stores with native TTLs do not need it). The timer is unref'd.
   * @default 600_000 (10 minutes)
   */
  sweepInterval?: number;

  /**
   * Source of time. Tests pass a `ManualClock`.
   * @default new SystemClock()
   */
  clock?: Clock;

  /**
   * Password hashing used by `UserService`.
   * @default new Argon2PasswordHasher() (argon2id, m = 19 MiB, t = 2, p = 1)
   */
  passwordHasher?: PasswordHasher;

  /**
   * Receives every session event (created, refreshed, revoked, reuse detected, permission
   * denied, token rejected). Events are also published on `@nestjs/event-emitter`'s
   * `EventEmitter2` when the app registers `EventEmitterModule`.
   */
  onEvent?: SessionEventHandler;

  /**
   * Cookie transport for browser apps: the guard also accepts the access token from an
   * `HttpOnly` session cookie when no `Authorization` header is sent, applies the CSRF
   * defence to unsafe requests authenticated that way, and `SessionCookies` writes and
   * clears the cookies. See {@link SessionCookieOptions} for names and defaults.
   * @default undefined (header transport only: cookies are never read)
   */
  cookies?: SessionCookieOptions;
}

/** Extra options of `forRoot` / `forRootAsync` that shape the module itself. */
export interface SessionModuleExtras {
  /** Register the module globally so every module can inject its providers. @default false */
  isGlobal?: boolean;
  /**
   * Register `AuthGuard` as a global guard: every route requires a valid session unless
   * marked `@Public()` (deny by default).
   * @default false
   */
  globalGuard?: boolean;
}
