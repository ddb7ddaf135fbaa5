import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../clock.js';
import type { SessionEvent } from '../events/session-event.js';
import type { SessionEvents } from '../events/session-events.js';
import { CsrfRejectedException } from '../exceptions/csrf-rejected.exception.js';
import type { SessionModuleOptions } from '../session-options.interface.js';
import { resolveSessionOptions } from '../session-options.resolver.js';
import { generateOpaqueToken } from '../tokens/opaque-token.js';
import type { IssuedTokens } from '../tokens/token.types.js';
import { SessionCookies, type CookieResponse } from './session-cookies.js';

const HOUR = 3_600_000;

function setup(options: SessionModuleOptions = { cookies: {} }) {
  const clock = new ManualClock(1_800_000_000_000);
  const emitted: SessionEvent[] = [];
  const events = { emit: (e: SessionEvent) => emitted.push(e), now: () => clock.now() };
  const cookies = new SessionCookies(
    resolveSessionOptions({ ...options, clock }),
    events as unknown as SessionEvents,
  );
  const tokens: IssuedTokens = {
    accessToken: generateOpaqueToken(),
    refreshToken: generateOpaqueToken(),
    tokenType: 'Bearer',
    expiresIn: 900,
    sessionId: 's'.repeat(22),
    userId: 'alice',
    sessionExpiresAt: clock.now() + 2 * HOUR + 999,
  };
  return { clock, emitted, cookies, tokens };
}

/** An Express-like response: `append` adds, `header` replaces. */
function expressResponse() {
  const headers = new Map<string, string | string[]>();
  const response = {
    append(name: string, value: string | string[]) {
      const key = name.toLowerCase();
      const earlier = headers.get(key);
      const list = earlier === undefined ? [] : Array.isArray(earlier) ? earlier : [earlier];
      headers.set(key, [...list, ...(Array.isArray(value) ? value : [value])]);
    },
    header(name: string, value: string) {
      headers.set(name.toLowerCase(), value);
    },
  };
  return { response: response as CookieResponse, headers };
}

/** A Fastify-like reply: `header('set-cookie', …)` appends, `getHeader` reads. */
function fastifyReply() {
  const headers = new Map<string, string | string[]>();
  const response = {
    header(name: string, value: string | string[]) {
      const key = name.toLowerCase();
      const earlier = headers.get(key);
      if (key === 'set-cookie' && earlier !== undefined) {
        headers.set(key, [
          ...(Array.isArray(earlier) ? earlier : [earlier]),
          ...(Array.isArray(value) ? value : [value]),
        ]);
      } else headers.set(key, value);
    },
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  return { response: response as CookieResponse, headers };
}

/** A plain Node.js ServerResponse-like object. */
function nodeResponse() {
  const headers = new Map<string, string | string[]>();
  const response = {
    setHeader: (name: string, value: string | string[]) => headers.set(name.toLowerCase(), value),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
  };
  return { response: response as CookieResponse, headers };
}

describe('SessionCookies', () => {
  it('is disabled without the cookies option: reads nothing, refuses to write', () => {
    const { cookies, tokens } = setup({});
    expect(cookies.enabled).toBe(false);
    expect(
      cookies.readSessionCookie({ headers: { cookie: `__Host-session=${tokens.accessToken}` } }),
    ).toEqual({ kind: 'none' });
    expect(() => cookies.issue(nodeResponse().response, tokens)).toThrow(/cookies option/);
  });

  it.each([
    ['Express', expressResponse],
    ['Fastify', fastifyReply],
    ['Node.js', nodeResponse],
  ])('on %s, issue() adds the three cookies to those already set, not cacheable', (_name, make) => {
    const { cookies, tokens } = setup();
    const { response, headers } = make();
    // A cookie set earlier by the app must survive.
    if (_name === 'Express')
      (response.append as (n: string, v: string) => void)('Set-Cookie', 'app=1');
    else if (_name === 'Fastify')
      (response.header as (n: string, v: string) => void)('set-cookie', 'app=1');
    else (response.setHeader as (n: string, v: string) => void)('Set-Cookie', 'app=1');

    const csrf = cookies.issue(response, tokens);
    const maxAge = 2 * 3600; // what is left of the session, rounded down
    expect(headers.get('set-cookie')).toEqual([
      'app=1',
      `__Host-session=${tokens.accessToken}; Path=/; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Strict`,
      `__Secure-refresh=${tokens.refreshToken}; Path=/auth/refresh; Max-Age=${maxAge}; Secure; HttpOnly; SameSite=Strict`,
      `__Host-csrf=${csrf}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Strict`,
    ]);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(csrf).toMatch(/^[\w-]{43}$/);
    expect(cookies.issue(make().response, tokens)).not.toBe(csrf); // a new one every login
  });

  it('rotate() replaces the token cookies only, with what is left of the session', () => {
    const { cookies, tokens, clock } = setup({
      cookies: { sameSite: 'lax', refreshPath: '/api/refresh' },
    });
    clock.advance(HOUR);
    const { response, headers } = nodeResponse();
    cookies.rotate(response, tokens);
    expect(headers.get('set-cookie')).toEqual([
      `__Host-session=${tokens.accessToken}; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax`,
      `__Secure-refresh=${tokens.refreshToken}; Path=/api/refresh; Max-Age=3600; Secure; HttpOnly; SameSite=Lax`,
    ]);
  });

  it('clear() expires the three cookies at their paths, Clear-Site-Data on request', () => {
    const { cookies } = setup();
    const { response, headers } = fastifyReply();
    cookies.clear(response);
    expect(headers.get('set-cookie')).toEqual([
      '__Host-session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict',
      '__Secure-refresh=; Path=/auth/refresh; Max-Age=0; Secure; HttpOnly; SameSite=Strict',
      '__Host-csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict',
    ]);
    expect(headers.get('clear-site-data')).toBeUndefined();
    const withSiteData = nodeResponse();
    cookies.clear(withSiteData.response, { clearSiteData: true });
    expect(withSiteData.headers.get('clear-site-data')).toBe('"cookies"');
  });

  it('refuses to write a token too long for a cookie', () => {
    const { cookies, tokens } = setup();
    const long = { ...tokens, accessToken: 'a'.repeat(4_096) };
    expect(() => cookies.issue(nodeResponse().response, long)).toThrow(/does not fit in a cookie/);
  });

  it('reads the session cookie strictly: exact name, once, a token', () => {
    const { cookies, tokens } = setup();
    const read = (cookie: string) => cookies.readSessionCookie({ headers: { cookie } });
    const token = tokens.accessToken;
    expect(read(`x=1; __Host-session=${token}`)).toEqual({ kind: 'cookie', token });
    expect(read(`__Host-session=a.b.c`)).toEqual({ kind: 'cookie', token: 'a.b.c' });
    expect(read('__Host-session=')).toEqual({ kind: 'none' });
    expect(read(`session=${token}; __host-session=${token}`)).toEqual({ kind: 'none' });
    for (const bad of [
      `__Host-session=garbage!; __Host-session=${token}`,
      `__Host-session=${token}; __Host-session=${token}`,
      '__Host-session=j%3A%7B%22a%22%3A1%7D',
      '__Host-session=j:{"a":1}',
      '__Host-session=j:[]',
      `__Host-session="${token}"`,
      `__Host-session=${encodeURIComponent(encodeURIComponent(`${token}; Path=/`))}`,
      `__Host-session=${'A'.repeat(4_097)}`,
    ]) {
      expect({ bad, read: read(bad) }).toEqual({ bad, read: { kind: 'malformed' } });
    }
  });

  describe('CSRF', () => {
    const host = 'chirp.example';

    it('readRefreshToken() needs the whole CSRF defence once the refresh cookie is there', () => {
      const { cookies, tokens, emitted } = setup();
      const csrf = generateOpaqueToken();
      const refresh = `__Secure-refresh=${tokens.refreshToken}`;
      const ok = {
        headers: { host, cookie: `${refresh}; __Host-csrf=${csrf}`, 'x-csrf-token': csrf },
      };
      expect(cookies.readRefreshToken(ok)).toBe(tokens.refreshToken);
      expect(cookies.readRefreshToken({ headers: { host } })).toBeNull(); // no cookie: 401
      expect(() => cookies.readRefreshToken({ headers: { host, cookie: refresh } })).toThrow(
        CsrfRejectedException,
      );
      expect(() =>
        cookies.readRefreshToken({
          headers: { ...ok.headers, origin: 'https://evil.example' },
          ip: '203.0.113.9',
        } as never),
      ).toThrow(CsrfRejectedException);
      expect(emitted.map((e) => [e.type, e.reason, e.ip])).toEqual([
        ['session.csrf-rejected', 'token', undefined],
        ['session.csrf-rejected', 'origin', '203.0.113.9'],
      ]);
      expect(
        cookies.readRefreshToken({
          headers: { ...ok.headers, cookie: `__Secure-refresh=j:null; __Host-csrf=${csrf}` },
        }),
      ).toBeNull();
    });

    it('assertTrustedOrigin() checks fetch metadata and Origin, not the token', () => {
      const { cookies } = setup({ cookies: { csrf: { allowedOrigins: ['https://app.example'] } } });
      expect(() => cookies.assertTrustedOrigin({ headers: { host } })).not.toThrow();
      expect(() =>
        cookies.assertTrustedOrigin({
          headers: { host, origin: 'https://app.example', 'sec-fetch-site': 'same-site' },
        }),
      ).not.toThrow();
      expect(() => cookies.assertTrustedOrigin({ headers: { host, origin: 'null' } })).toThrow(
        CsrfRejectedException,
      );
      expect(() =>
        cookies.assertTrustedOrigin({ headers: { host, 'sec-fetch-site': 'cross-site' } }),
      ).toThrow(CsrfRejectedException);
    });
  });
});
