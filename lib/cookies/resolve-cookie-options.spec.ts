import { describe, expect, it } from '@jest/globals';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import { resolveSessionOptions } from '../session-options.resolver.js';
import type { SessionCookieOptions } from './cookie-options.interface.js';
import { resolveCookieOptions } from './resolve-cookie-options.js';

/** Asserts `resolveCookieOptions(value)` throws naming `option`, with a fix mentioning `hint`. */
function expectRejected(value: unknown, option: string, hint: string): void {
  let thrown: unknown = null;
  try {
    resolveCookieOptions(value as SessionCookieOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SessionConfigurationError);
  const error = thrown as SessionConfigurationError;
  expect(error.option).toBe(option);
  expect(error.fix).toContain(hint);
}

describe('resolveCookieOptions', () => {
  it('is off (null) when unset, and applies the documented defaults for {}', () => {
    expect(resolveCookieOptions(undefined)).toBeNull();
    expect(resolveCookieOptions({})).toEqual({
      sessionCookie: '__Host-session',
      refreshCookie: '__Secure-refresh',
      refreshPath: '/auth/refresh',
      sameSite: 'strict',
      csrf: { cookie: '__Host-csrf', header: 'x-csrf-token', allowedOrigins: new Set() },
    });
  });

  it('takes every option, the CSRF header in lower case', () => {
    expect(
      resolveCookieOptions({
        sessionCookie: 'sid',
        refreshCookie: '__Host-refresh',
        refreshPath: '/',
        sameSite: 'lax',
        csrf: {
          cookie: 'XSRF-TOKEN',
          header: 'X-XSRF-Token',
          allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
        },
      }),
    ).toEqual({
      sessionCookie: 'sid',
      refreshCookie: '__Host-refresh',
      refreshPath: '/',
      sameSite: 'lax',
      csrf: {
        cookie: 'XSRF-TOKEN',
        header: 'x-xsrf-token',
        allowedOrigins: new Set(['https://app.example.com', 'http://localhost:5173']),
      },
    });
  });

  it('is wired into resolveSessionOptions', () => {
    expect(resolveSessionOptions({}).cookies).toBeNull();
    expect(resolveSessionOptions({ cookies: {} }).cookies?.sessionCookie).toBe('__Host-session');
  });

  it.each([
    ['a non-object', 'yes', 'cookies', 'cookies: {}'],
    ['an unknown option', { secure: false }, 'cookies.secure', 'spelling'],
    [
      'a cookie name with a space',
      { sessionCookie: 'my session' },
      'cookies.sessionCookie',
      "'__Host-session'",
    ],
    [
      'a cookie name with "="',
      { refreshCookie: 'a=b' },
      'cookies.refreshCookie',
      "'__Secure-refresh'",
    ],
    ['an empty cookie name', { sessionCookie: '' }, 'cookies.sessionCookie', "'__Host-session'"],
    [
      'a relative refresh path',
      { refreshPath: 'auth/refresh' },
      'cookies.refreshPath',
      "'/auth/refresh'",
    ],
    [
      'a refresh path with ";"',
      { refreshPath: '/a;Domain=x' },
      'cookies.refreshPath',
      "'/auth/refresh'",
    ],
    [
      'a __Host- refresh cookie on a narrow path',
      { refreshCookie: '__Host-r' },
      'cookies.refreshCookie',
      '__Secure-',
    ],
    ['SameSite none', { sameSite: 'none' }, 'cookies.sameSite', "'strict'"],
    ['SameSite in capitals', { sameSite: 'Strict' }, 'cookies.sameSite', "'strict'"],
    [
      'one name for two cookies',
      { sessionCookie: 'x', refreshCookie: 'x' },
      'cookies',
      'three different names',
    ],
    [
      'the CSRF cookie named like the session',
      { csrf: { cookie: '__Host-session' } },
      'cookies',
      'three different names',
    ],
    ['an unknown CSRF option', { csrf: { token: 'x' } }, 'cookies.csrf.token', 'spelling'],
    [
      'a CSRF header that is not a header name',
      { csrf: { header: 'x csrf' } },
      'cookies.csrf.header',
      "'x-csrf-token'",
    ],
    [
      'the Authorization header for CSRF',
      { csrf: { header: 'Authorization' } },
      'cookies.csrf.header',
      "'x-csrf-token'",
    ],
    [
      'allowed origins as a string',
      { csrf: { allowedOrigins: 'https://a.example' } },
      'cookies.csrf.allowedOrigins',
      'allowedOrigins: [',
    ],
    [
      'a wildcard origin',
      { csrf: { allowedOrigins: ['*'] } },
      'cookies.csrf.allowedOrigins[0]',
      "no '*'",
    ],
    [
      'the null origin',
      { csrf: { allowedOrigins: ['null'] } },
      'cookies.csrf.allowedOrigins[0]',
      "no '*'",
    ],
    [
      'an origin with a path',
      { csrf: { allowedOrigins: ['https://a.example/'] } },
      'cookies.csrf.allowedOrigins[0]',
      'no trailing slash',
    ],
    [
      'an origin of another scheme',
      { csrf: { allowedOrigins: ['ftp://a.example'] } },
      'cookies.csrf.allowedOrigins[0]',
      'https://',
    ],
  ])('refuses %s', (_case, value, option, hint) => {
    expectRejected(value, option, hint);
  });
});
