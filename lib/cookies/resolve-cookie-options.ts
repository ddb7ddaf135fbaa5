import { rejectUnknownOptions } from '../exceptions/option-checks.js';
import {
  describeValue,
  SessionConfigurationError,
} from '../exceptions/session-configuration.error.js';
import type { CookieSameSite, SessionCookieOptions } from './cookie-options.interface.js';

/** {@link SessionCookieOptions} after defaults and validation. */
export interface ResolvedCookieOptions {
  /** See {@link SessionCookieOptions.sessionCookie}. */
  readonly sessionCookie: string;
  /** See {@link SessionCookieOptions.refreshCookie}. */
  readonly refreshCookie: string;
  /** See {@link SessionCookieOptions.refreshPath}. */
  readonly refreshPath: string;
  /** See {@link SessionCookieOptions.sameSite}. */
  readonly sameSite: CookieSameSite;
  /** The CSRF defence, resolved. */
  readonly csrf: {
    /** See {@link CsrfOptions.cookie}. */
    readonly cookie: string;
    /** See {@link CsrfOptions.header}; lower case. */
    readonly header: string;
    /** See {@link CsrfOptions.allowedOrigins}. */
    readonly allowedOrigins: ReadonlySet<string>;
  };
}

const COOKIE_KEYS = new Set(['sessionCookie', 'refreshCookie', 'refreshPath', 'sameSite', 'csrf']);
const CSRF_KEYS = new Set(['cookie', 'header', 'allowedOrigins']);

/** RFC 9110 `token` characters, which cookie names (RFC 6265) and header names use. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

/** A path attribute value: starts with `/`, visible ASCII except `;` and `,`. */
const PATH = /^\/[\x21-\x2b\x2d-\x3a\x3c-\x7e]{0,255}$/;

/** Headers a CSRF token must never be read from. */
const RESERVED_HEADERS = new Set(['authorization', 'cookie', 'host', 'origin', 'sec-fetch-site']);

function plainObject(value: unknown, option: string, example: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SessionConfigurationError(option, 'must be an object', `pass e.g. ${example}`);
  }
  return value as Record<string, unknown>;
}

function cookieName(value: unknown, option: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new SessionConfigurationError(
      option,
      `must be a cookie name of 1 to 64 token characters (got ${describeValue(value)})`,
      `use e.g. '${fallback}', or omit it`,
    );
  }
  return value;
}

function origin(value: unknown, option: string): string {
  let url: URL | null;
  try {
    url = typeof value === 'string' ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== value) {
    throw new SessionConfigurationError(
      option,
      `must hold origins exactly as browsers send them, scheme://host[:port] without a path (got ${describeValue(value)})`,
      "write e.g. 'https://app.example.com' (no trailing slash, no '*')",
    );
  }
  return url.origin;
}

function resolveCsrf(value: unknown): ResolvedCookieOptions['csrf'] {
  const csrf = plainObject(value ?? {}, 'cookies.csrf', "csrf: { header: 'x-csrf-token' }");
  rejectUnknownOptions(csrf, CSRF_KEYS, 'cookies.csrf');
  const header = csrf.header ?? 'x-csrf-token';
  if (typeof header !== 'string' || !TOKEN.test(header)) {
    throw new SessionConfigurationError(
      'cookies.csrf.header',
      `must be a header name (got ${describeValue(header)})`,
      "use e.g. 'x-csrf-token', or omit it",
    );
  }
  if (RESERVED_HEADERS.has(header.toLowerCase())) {
    throw new SessionConfigurationError(
      'cookies.csrf.header',
      `must not be ${header}, which carries something else`,
      "use a header of its own, e.g. 'x-csrf-token'",
    );
  }
  const allowed = csrf.allowedOrigins ?? [];
  if (!Array.isArray(allowed)) {
    throw new SessionConfigurationError(
      'cookies.csrf.allowedOrigins',
      `must be an array of origins (got ${describeValue(allowed)})`,
      "pass e.g. allowedOrigins: ['https://app.example.com'], or omit it",
    );
  }
  return {
    cookie: cookieName(csrf.cookie, 'cookies.csrf.cookie', '__Host-csrf'),
    header: header.toLowerCase(),
    allowedOrigins: new Set(
      allowed.map((item, i) => origin(item, `cookies.csrf.allowedOrigins[${i}]`)),
    ),
  };
}

/**
 * Applies the defaults of {@link SessionCookieOptions} and validates them, at boot.
 * `undefined` (cookie transport off) resolves to `null`.
 *
 * @throws SessionConfigurationError naming the option and the fix.
 * @example
 * resolveCookieOptions({}) // { sessionCookie: '__Host-session', refreshCookie: '__Secure-refresh', … }
 */
export function resolveCookieOptions(
  value: SessionCookieOptions | undefined,
): ResolvedCookieOptions | null {
  if (value === undefined) return null;
  const options = plainObject(value, 'cookies', 'cookies: {} for the defaults');
  rejectUnknownOptions(options, COOKIE_KEYS, 'cookies');
  const sessionCookie = cookieName(
    options.sessionCookie,
    'cookies.sessionCookie',
    '__Host-session',
  );
  const refreshCookie = cookieName(
    options.refreshCookie,
    'cookies.refreshCookie',
    '__Secure-refresh',
  );
  const refreshPath = options.refreshPath ?? '/auth/refresh';
  if (typeof refreshPath !== 'string' || !PATH.test(refreshPath)) {
    throw new SessionConfigurationError(
      'cookies.refreshPath',
      `must be a URL path starting with / without ';', ',' or spaces (got ${describeValue(refreshPath)})`,
      "pass the path of your refresh route, e.g. '/auth/refresh'",
    );
  }
  if (refreshCookie.startsWith('__Host-') && refreshPath !== '/') {
    throw new SessionConfigurationError(
      'cookies.refreshCookie',
      `is a __Host- cookie, which browsers accept only at Path=/, but refreshPath is ${refreshPath}`,
      "use a __Secure- name, e.g. '__Secure-refresh', to keep the narrow path",
    );
  }
  const sameSite = options.sameSite ?? 'strict';
  if (sameSite !== 'strict' && sameSite !== 'lax') {
    throw new SessionConfigurationError(
      'cookies.sameSite',
      `must be 'strict' or 'lax' (got ${describeValue(sameSite)})`,
      "use 'strict' (the default) or 'lax'; 'none' would send the cookies with cross-site requests",
    );
  }
  const csrf = resolveCsrf(options.csrf);
  const names = [sessionCookie, refreshCookie, csrf.cookie];
  if (new Set(names).size !== names.length) {
    throw new SessionConfigurationError(
      'cookies',
      `uses one cookie name twice (${names.join(', ')})`,
      'give the session, refresh and CSRF cookies three different names',
    );
  }
  return { sessionCookie, refreshCookie, refreshPath, sameSite, csrf };
}
