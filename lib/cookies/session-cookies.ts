import { Inject, Injectable } from '@nestjs/common';
import { SessionEvents } from '../events/session-events.js';
import { CsrfRejectedException } from '../exceptions/csrf-rejected.exception.js';
import { isB64Token, type BearerCredential } from '../guards/bearer.js';
import { clientIp } from '../guards/request-principal.js';
import { SESSION_OPTIONS, type ResolvedSessionOptions } from '../session-options.resolver.js';
import { generateOpaqueToken, isOpaqueToken } from '../tokens/opaque-token.js';
import type { IssuedTokens } from '../tokens/token.types.js';
import { readCookie, serializeCookie } from './cookie-header.js';
import { checkCsrf, checkRequestOrigin, type CsrfFailure, type CsrfRequest } from './csrf.js';
import type { ResolvedCookieOptions } from './resolve-cookie-options.js';

/** Longest cookie (name, `=` and value) browsers are required to store: RFC 6265 §6.1. */
export const MAX_COOKIE_LENGTH = 4096;

/** An access token read from the session cookie (well-formed, not yet verified). */
export interface CookieCredential {
  /** Always `'cookie'`: the guard applies the CSRF defence to such requests. */
  readonly kind: 'cookie';
  /** The cookie's value. */
  readonly token: string;
}

/**
 * What the guard authenticates a request with: the `Authorization` header
 * ({@link BearerCredential}), or the session cookie when that header is absent.
 */
export type SessionCredential = BearerCredential | CookieCredential;

/**
 * A response of Express (`append`), Fastify (`header`, which appends `Set-Cookie`) or
 * plain Node.js (`getHeader`/`setHeader`). Nothing else is needed: no cookie plugin.
 */
export interface CookieResponse {
  /** Express: adds values to a header. */
  append?(name: string, value: string | string[]): unknown;
  /** Fastify (`Set-Cookie` values accumulate) or Express (replaces). */
  header?(name: string, value: string | string[]): unknown;
  /** Fastify and Node.js: reads a header. */
  getHeader?(name: string): unknown;
  /** Node.js: replaces a header. */
  setHeader?(name: string, value: string | string[]): unknown;
}

/** Options of {@link SessionCookies.clear}. */
export interface ClearCookiesOptions {
  /**
   * Also send `Clear-Site-Data: "cookies"`, which makes the browser drop every cookie of
   * the whole site (the registrable domain, other apps on it included).
   * @default false
   */
  readonly clearSiteData?: boolean;
}

function setHeader(response: CookieResponse, name: string, value: string): void {
  if (typeof response.header === 'function') response.header(name, value);
  else if (typeof response.setHeader === 'function') response.setHeader(name, value);
  else throw new TypeError('nest-sessions: cannot set headers on this response object');
}

/** Adds `Set-Cookie` headers without dropping those already set, on any platform. */
function appendSetCookie(response: CookieResponse, cookies: string[]): void {
  if (typeof response.append === 'function') {
    response.append('Set-Cookie', cookies); // Express
  } else if (typeof response.header === 'function' && typeof response.getHeader === 'function') {
    response.header('set-cookie', cookies); // Fastify: appends to earlier Set-Cookie values
  } else if (typeof response.setHeader === 'function') {
    const existing: unknown = response.getHeader?.('set-cookie');
    const earlier = ([] as unknown[])
      .concat(existing ?? [])
      .filter((value): value is string => typeof value === 'string');
    response.setHeader('Set-Cookie', [...earlier, ...cookies]);
  } else {
    throw new TypeError('nest-sessions: cannot set cookies on this response object');
  }
}

/**
 * Cookie transport, for apps that set the `cookies` option: writes the session, refresh
 * and CSRF cookies on login, refresh and logout responses, reads the refresh token, and
 * applies the CSRF defence. Works on Express and Fastify alike, without cookie-parser or
 * `@fastify/cookie` (it reads the raw `Cookie` header and writes `Set-Cookie` itself).
 *
 * Cookies written (defaults; all `Secure`, no `Domain`, `Max-Age` = what is left of the
 * session's absolute lifetime):
 * - `__Host-session=<access token>; Path=/; HttpOnly; SameSite=Strict`
 * - `__Secure-refresh=<refresh token>; Path=/auth/refresh; HttpOnly; SameSite=Strict`
 * - `__Host-csrf=<CSRF token>; Path=/; SameSite=Strict` — readable by the page, which
 *   copies it into the `X-CSRF-Token` header of every unsafe request (double submit).
 *
 * The CSRF token is new at each login and kept across refreshes. Every response that
 * sets or clears cookies also gets `Cache-Control: no-store`.
 *
 * @example
 * @Public() @Post('login') @HttpCode(200)
 * async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
 *   this.cookies.assertTrustedOrigin(req); // no login CSRF
 *   const tokens = await this.tokens.issue({ userId, permissions });
 *   return { expiresIn: tokens.expiresIn, csrfToken: this.cookies.issue(res, tokens) };
 * }
 */
@Injectable()
export class SessionCookies {
  private readonly config: ResolvedCookieOptions | null;

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly events: SessionEvents,
  ) {
    this.config = options.cookies;
  }

  /** Whether the `cookies` option is set (cookie transport on). */
  get enabled(): boolean {
    return this.config !== null;
  }

  /** The resolved cookie options; throws when cookie transport is off. */
  get settings(): ResolvedCookieOptions {
    if (!this.config) {
      throw new Error(
        'nest-sessions: SessionCookies needs the cookies option. Fix: pass cookies: {} to SessionModule.forRoot',
      );
    }
    return this.config;
  }

  /**
   * The access token in the session cookie: `none` without one (or with an empty one),
   * `malformed` for a repeated name or a value that is not a token (e.g. `j:{…}`,
   * URL-encoded, over {@link MAX_COOKIE_LENGTH}), else the token, not yet verified.
   * Always `none` when cookie transport is off.
   */
  readSessionCookie(request: CsrfRequest): SessionCredential {
    if (!this.config) return { kind: 'none' };
    const found = readCookie(request.headers.cookie, this.config.sessionCookie);
    if (found.kind === 'none' || (found.kind === 'value' && found.value === '')) {
      return { kind: 'none' };
    }
    if (
      found.kind === 'duplicate' ||
      found.value.length > MAX_COOKIE_LENGTH ||
      !isB64Token(found.value)
    ) {
      return { kind: 'malformed' };
    }
    return { kind: 'cookie', token: found.value };
  }

  /**
   * The refresh token in the refresh cookie, for the refresh route, or `null` when there
   * is none or it is not a token (answer 401). A request carrying the cookie must pass the
   * whole CSRF defence first, whatever its method; the request body is never read.
   *
   * @throws CsrfRejectedException (403) when the request carries the cookie but fails the
   * CSRF defence.
   */
  readRefreshToken(request: CsrfRequest): string | null {
    const config = this.settings;
    const found = readCookie(request.headers.cookie, config.refreshCookie);
    if (found.kind === 'none') return null;
    this.assertCsrf(request);
    return found.kind === 'value' && isOpaqueToken(found.value) ? found.value : null;
  }

  /**
   * The whole CSRF defence (fetch metadata, `Origin`, then the double-submit token); the
   * guard applies it to every unsafe request authenticated by the session cookie.
   * @throws CsrfRejectedException (403), after emitting `session.csrf-rejected`.
   */
  assertCsrf(request: CsrfRequest): void {
    this.refuseOn(request, checkCsrf(request, this.settings.csrf));
  }

  /**
   * The fetch-metadata and `Origin` checks only, for routes called before there is any
   * CSRF cookie: call it first thing in the login route (login CSRF would sign the victim
   * in as the attacker).
   * @throws CsrfRejectedException (403), after emitting `session.csrf-rejected`.
   */
  assertTrustedOrigin(request: CsrfRequest): void {
    this.refuseOn(request, checkRequestOrigin(request, this.settings.csrf.allowedOrigins));
  }

  /**
   * For a login response: sets the session and refresh cookies and a new CSRF cookie.
   * @returns the new CSRF token (the page may also read it from the CSRF cookie).
   * @throws Error if a token is too long for a cookie (value tokens with many permissions).
   */
  issue(response: CookieResponse, tokens: IssuedTokens): string {
    const csrfToken = generateOpaqueToken();
    const maxAge = this.maxAge(tokens);
    const csrf = serializeCookie(this.settings.csrf.cookie, csrfToken, {
      path: '/',
      maxAge,
      httpOnly: false,
      sameSite: this.settings.sameSite,
    });
    this.write(response, [...this.tokenCookies(tokens, maxAge), csrf]);
    return csrfToken;
  }

  /**
   * For a refresh response: replaces the session and refresh cookies. The CSRF cookie
   * stays as it is (tabs holding it keep working).
   * @throws Error if a token is too long for a cookie.
   */
  rotate(response: CookieResponse, tokens: IssuedTokens): void {
    this.write(response, this.tokenCookies(tokens, this.maxAge(tokens)));
  }

  /**
   * For a logout (or any response ending the caller's session): expires the session,
   * refresh and CSRF cookies (empty value, `Max-Age=0`, same name, path and attributes).
   */
  clear(response: CookieResponse, options: ClearCookiesOptions = {}): void {
    const { sessionCookie, refreshCookie, refreshPath, sameSite, csrf } = this.settings;
    const expired = (name: string, path: string, httpOnly: boolean) =>
      serializeCookie(name, '', { path, maxAge: 0, httpOnly, sameSite });
    this.write(response, [
      expired(sessionCookie, '/', true),
      expired(refreshCookie, refreshPath, true),
      expired(csrf.cookie, '/', false),
    ]);
    if (options.clearSiteData === true) setHeader(response, 'Clear-Site-Data', '"cookies"');
  }

  private refuseOn(request: CsrfRequest, failure: CsrfFailure | null): void {
    if (failure === null) return;
    this.events.emit({
      type: 'session.csrf-rejected',
      at: this.events.now(),
      reason: failure,
      ip: clientIp(request),
    });
    throw new CsrfRejectedException();
  }

  private maxAge(tokens: IssuedTokens): number {
    return Math.max(0, Math.floor((tokens.sessionExpiresAt - this.options.clock.now()) / 1000));
  }

  private tokenCookies(tokens: IssuedTokens, maxAge: number): string[] {
    const { sessionCookie, refreshCookie, refreshPath, sameSite } = this.settings;
    const cookies: Array<[string, string, string]> = [
      [sessionCookie, tokens.accessToken, '/'],
      [refreshCookie, tokens.refreshToken, refreshPath],
    ];
    return cookies.map(([name, value, path]) => {
      if (name.length + 1 + value.length > MAX_COOKIE_LENGTH || !isB64Token(value)) {
        throw new Error(
          `nest-sessions: the token for cookie ${name} does not fit in a cookie (${value.length} characters; ` +
            `browsers keep at most ${MAX_COOKIE_LENGTH} per cookie). Fix: carry fewer permissions in value tokens ` +
            '(jwt.embedPermissions: false) or use reference tokens',
        );
      }
      return serializeCookie(name, value, { path, maxAge, httpOnly: true, sameSite });
    });
  }

  private write(response: CookieResponse, cookies: string[]): void {
    appendSetCookie(response, cookies);
    setHeader(response, 'Cache-Control', 'no-store');
  }
}
