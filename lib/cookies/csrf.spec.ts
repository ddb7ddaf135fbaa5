import { describe, expect, it } from '@jest/globals';
import { generateOpaqueToken } from '../tokens/opaque-token.js';
import {
  checkCsrf,
  checkCsrfToken,
  checkRequestOrigin,
  isSafeMethod,
  type CsrfRequest,
} from './csrf.js';

const HOST = 'chirp.example:8443';
const NONE = new Set<string>();
const SPA = 'https://app.example.com';
const CSRF = { cookie: '__Host-csrf', header: 'x-csrf-token', allowedOrigins: new Set([SPA]) };

function req(headers: Record<string, string | string[] | undefined>, method = 'POST'): CsrfRequest {
  return { method, headers: { host: HOST, ...headers } };
}

describe('isSafeMethod', () => {
  it('treats GET, HEAD and OPTIONS as safe, in any case, and anything else as unsafe', () => {
    for (const method of ['GET', 'head', 'Options']) expect(isSafeMethod(method)).toBe(true);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'PROPFIND', '', undefined]) {
      expect(isSafeMethod(method)).toBe(false);
    }
  });
});

describe('checkRequestOrigin', () => {
  it('passes requests without fetch metadata or Origin (older browsers, other clients)', () => {
    expect(checkRequestOrigin(req({}), NONE)).toBeNull();
  });

  it('passes same-origin requests: Sec-Fetch-Site same-origin or none, Origin of this host', () => {
    for (const site of ['same-origin', 'SAME-ORIGIN', 'none']) {
      expect(checkRequestOrigin(req({ 'sec-fetch-site': site }), NONE)).toBeNull();
    }
    for (const origin of [`https://${HOST}`, `http://${HOST}`]) {
      expect(checkRequestOrigin(req({ origin, 'sec-fetch-site': 'same-origin' }), NONE)).toBeNull();
    }
    expect(
      checkRequestOrigin(
        { headers: { host: 'Chirp.Example', origin: 'https://chirp.example' } },
        NONE,
      ),
    ).toBeNull();
  });

  it('refuses cross-site and same-site requests unless their Origin is allowed', () => {
    expect(checkRequestOrigin(req({ 'sec-fetch-site': 'cross-site' }), NONE)).toBe('cross-site');
    expect(checkRequestOrigin(req({ 'sec-fetch-site': 'same-site' }), NONE)).toBe('cross-site');
    expect(
      checkRequestOrigin(req({ 'sec-fetch-site': 'cross-site', origin: `https://${HOST}` }), NONE),
    ).toBe('cross-site');
    expect(
      checkRequestOrigin(req({ 'sec-fetch-site': 'same-site', origin: SPA }), CSRF.allowedOrigins),
    ).toBeNull();
    expect(checkRequestOrigin(req({ 'sec-fetch-site': 'bogus' }), NONE)).toBe('cross-site');
  });

  it('refuses foreign, null, malformed and lookalike origins', () => {
    for (const origin of [
      'https://evil.example',
      'null',
      'https://chirp.example:8443.evil.example',
      `https://evil.example/${HOST}`,
      `https://${HOST}/`,
      `ftp://${HOST}`,
      `https://${HOST}, https://evil.example`,
      'not a url',
      `https://user@${HOST}`,
    ]) {
      expect({ origin, failure: checkRequestOrigin(req({ origin }), NONE) }).toEqual({
        origin,
        failure: 'origin',
      });
    }
    expect(checkRequestOrigin({ headers: { origin: `https://${HOST}` } }, NONE)).toBe('origin');
  });

  it('never trusts repeated Origin or Sec-Fetch-Site headers', () => {
    expect(checkRequestOrigin(req({ origin: [SPA, SPA] }), CSRF.allowedOrigins)).toBe('origin');
    expect(checkRequestOrigin(req({ 'sec-fetch-site': ['same-origin'] }), NONE)).toBe('cross-site');
  });

  it('trusts allowed origins exactly, never by prefix or suffix', () => {
    expect(checkRequestOrigin(req({ origin: SPA }), CSRF.allowedOrigins)).toBeNull();
    for (const origin of [`${SPA}.evil.example`, 'https://evil.app.example.com', `${SPA}:444`]) {
      expect(checkRequestOrigin(req({ origin }), CSRF.allowedOrigins)).toBe('origin');
    }
  });
});

describe('checkCsrfToken', () => {
  const token = generateOpaqueToken();

  it('passes when the header repeats the CSRF cookie', () => {
    expect(
      checkCsrfToken(
        req({ cookie: `a=1; __Host-csrf=${token}`, 'x-csrf-token': token }),
        '__Host-csrf',
        'x-csrf-token',
      ),
    ).toBe(true);
  });

  it('fails without the header, without the cookie, or when they differ', () => {
    const other = generateOpaqueToken();
    for (const headers of [
      { cookie: `__Host-csrf=${token}` },
      { 'x-csrf-token': token },
      { cookie: `__Host-csrf=${token}`, 'x-csrf-token': other },
      { cookie: `__Host-csrf=${token}`, 'x-csrf-token': token.slice(0, 42) },
      { cookie: `__Host-csrf=${token}`, 'x-csrf-token': `${token}x` },
      { cookie: `__Host-csrf=${token}; __Host-csrf=${token}`, 'x-csrf-token': token },
      { cookie: `__host-csrf=${token}`, 'x-csrf-token': token },
      { cookie: '__Host-csrf=', 'x-csrf-token': '' },
      { cookie: '__Host-csrf=j:null', 'x-csrf-token': 'j:null' },
      { cookie: `__Host-csrf=${token}`, 'x-csrf-token': [token, token] },
    ]) {
      expect(checkCsrfToken(req(headers), '__Host-csrf', 'x-csrf-token')).toBe(false);
    }
  });
});

describe('checkCsrf', () => {
  const token = generateOpaqueToken();
  const valid = { cookie: `__Host-csrf=${token}`, 'x-csrf-token': token };

  it('needs both the origin checks and the token', () => {
    expect(checkCsrf(req({ ...valid, origin: `https://${HOST}` }), CSRF)).toBeNull();
    expect(checkCsrf(req({ ...valid, origin: 'https://evil.example' }), CSRF)).toBe('origin');
    expect(checkCsrf(req({ ...valid, 'sec-fetch-site': 'cross-site' }), CSRF)).toBe('cross-site');
    expect(checkCsrf(req({ origin: `https://${HOST}` }), CSRF)).toBe('token');
  });
});
