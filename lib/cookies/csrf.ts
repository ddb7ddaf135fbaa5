import { timingSafeEqual } from 'node:crypto';
import { isOpaqueToken } from '../tokens/opaque-token.js';
import { readCookie } from './cookie-header.js';

/** The parts of a request the CSRF checks read (Express and Fastify requests alike). */
export interface CsrfRequest {
  /** The HTTP method. */
  readonly method?: string;
  /** Raw request headers, names in lower case as Node.js gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Why a request failed the CSRF defence: `'cross-site'` (`Sec-Fetch-Site` says another
 * site sent it), `'origin'` (an `Origin` that is neither this host nor allowed, or
 * `null`), `'token'` (no CSRF token, or not the one in the CSRF cookie).
 */
export type CsrfFailure = 'cross-site' | 'origin' | 'token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether `method` is safe (`GET`, `HEAD`, `OPTIONS`): such requests must not change
 * state, so the CSRF defence does not apply to them. Anything else, unknown methods
 * included, is unsafe.
 *
 * @example
 * isSafeMethod('GET') // true
 * isSafeMethod('DELETE') // false
 */
export function isSafeMethod(method: unknown): boolean {
  return typeof method === 'string' && SAFE_METHODS.has(method.toUpperCase());
}

function single(value: string | string[] | undefined): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null; // repeated: never trusted
}

/** Whether `origin` is `http(s)://` + the request's own `Host` (scheme not compared). */
function isOwnHost(origin: string, host: string | undefined | null): boolean {
  if (typeof host !== 'string' || host.length === 0) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.origin === origin &&
    url.host === host.toLowerCase()
  );
}

/**
 * The fetch-metadata and origin half of the CSRF defence (no token needed), for routes
 * that run before any cookie exists, like login:
 *
 * 1. `Sec-Fetch-Site` absent (older browsers, non-browser clients), `same-origin` or
 *    `none` (typed by the user); `same-site` and `cross-site` only from an allowed origin.
 * 2. `Origin` absent, the request's own host (`http` or `https`: TLS often ends at a
 *    proxy, and the cookies are `Secure` anyway), or one of `allowedOrigins`.
 *    `Origin: null` (sandboxed frames, `file:` pages, some redirects) is refused.
 *
 * @returns `null` when the request passes, else why not.
 * @example
 * checkRequestOrigin({ headers: { host: 'chirp.example', origin: 'https://evil.example' } }, new Set())
 * // 'origin'
 */
export function checkRequestOrigin(
  request: CsrfRequest,
  allowedOrigins: ReadonlySet<string>,
): CsrfFailure | null {
  const origin = single(request.headers.origin);
  const site = single(request.headers['sec-fetch-site']);
  if (origin === null || site === null) return origin === null ? 'origin' : 'cross-site';
  const allowed = origin !== undefined && allowedOrigins.has(origin);
  if (site !== undefined && !allowed) {
    const value = site.toLowerCase();
    if (value !== 'same-origin' && value !== 'none') return 'cross-site';
  }
  if (origin === undefined || allowed) return null;
  return isOwnHost(origin, single(request.headers.host)) ? null : 'origin';
}

/**
 * The token half of the CSRF defence (double submit): the `header` must carry exactly
 * the value of the `cookie`, both once, both in the library's token format; compared in
 * constant time. A page of another site can neither read the cookie nor set the header
 * on a cross-site request without a CORS preflight the app does not grant.
 *
 * @example
 * checkCsrfToken(request, '__Host-csrf', 'x-csrf-token') // true when they match
 */
export function checkCsrfToken(request: CsrfRequest, cookie: string, header: string): boolean {
  const sent = request.headers[header];
  const stored = readCookie(request.headers.cookie, cookie);
  if (!isOpaqueToken(sent) || stored.kind !== 'value' || !isOpaqueToken(stored.value)) {
    return false;
  }
  return timingSafeEqual(Buffer.from(sent, 'latin1'), Buffer.from(stored.value, 'latin1'));
}

/**
 * The whole CSRF defence for a request authenticated by a cookie: {@link checkRequestOrigin}
 * then {@link checkCsrfToken}.
 *
 * @returns `null` when the request passes, else the first reason it fails.
 * @example
 * const failure = checkCsrf(request, { cookie: '__Host-csrf', header: 'x-csrf-token', allowedOrigins: new Set() });
 */
export function checkCsrf(
  request: CsrfRequest,
  csrf: {
    readonly cookie: string;
    readonly header: string;
    readonly allowedOrigins: ReadonlySet<string>;
  },
): CsrfFailure | null {
  return (
    checkRequestOrigin(request, csrf.allowedOrigins) ??
    (checkCsrfToken(request, csrf.cookie, csrf.header) ? null : 'token')
  );
}
