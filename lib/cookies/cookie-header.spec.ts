import { describe, expect, it } from '@jest/globals';
import { readCookie, serializeCookie } from './cookie-header.js';

const NAME = '__Host-session';
const TOKEN = 'tok_'.repeat(10) + 'abc';

describe('readCookie', () => {
  it('finds the exact name among other cookies, trimming spaces and tabs', () => {
    expect(readCookie(`theme=dark; ${NAME}=${TOKEN}; lang=en`, NAME)).toEqual({
      kind: 'value',
      value: TOKEN,
    });
    expect(readCookie(`a=1;\t ${NAME} =\t${TOKEN} ;b=2`, NAME)).toEqual({
      kind: 'value',
      value: TOKEN,
    });
    expect(readCookie(`${NAME}=`, NAME)).toEqual({ kind: 'value', value: '' });
  });

  it('answers none for other names: prefix, case and lookalikes never count', () => {
    for (const header of [
      `session=${TOKEN}`,
      `__Secure-session=${TOKEN}`,
      `__host-session=${TOKEN}`,
      `__HOST-SESSION=${TOKEN}`,
      `x${NAME}=${TOKEN}`,
      `${NAME}x=${TOKEN}`,
      `${NAME}`,
      '',
      ';;; ;',
    ]) {
      expect(readCookie(header, NAME)).toEqual({ kind: 'none' });
    }
    expect(readCookie(undefined, NAME)).toEqual({ kind: 'none' });
    expect(readCookie(42, NAME)).toEqual({ kind: 'none' });
  });

  it('answers duplicate for a name sent twice, whatever the values and their order', () => {
    expect(readCookie(`${NAME}=garbage; ${NAME}=${TOKEN}`, NAME)).toEqual({ kind: 'duplicate' });
    expect(readCookie(`${NAME}=${TOKEN}; x=1; ${NAME}=${TOKEN}`, NAME)).toEqual({
      kind: 'duplicate',
    });
    // Two Cookie header lines, as an array or as Node.js joins them.
    expect(readCookie([`${NAME}=${TOKEN}`, `${NAME}=other`], NAME)).toEqual({
      kind: 'duplicate',
    });
  });

  it('returns values as sent: never URL-decoded, never JSON-parsed, never unquoted', () => {
    for (const value of ['j%3A%7B%22a%22%3A1%7D', 'j:{"a":1}', 'j:null', '"quoted"', 'a%253Db']) {
      expect(readCookie(`${NAME}=${value}`, NAME)).toEqual({ kind: 'value', value });
    }
    expect(readCookie(`${NAME}=a=b=c`, NAME)).toEqual({ kind: 'value', value: 'a=b=c' });
  });

  it('stays linear on a header of 16 KiB of separators', () => {
    const header = ';'.repeat(8_000) + '='.repeat(8_000);
    expect(readCookie(header, NAME)).toEqual({ kind: 'none' });
  });
});

describe('serializeCookie', () => {
  it('writes Secure host-only cookies with the given path, Max-Age and SameSite', () => {
    expect(
      serializeCookie(NAME, TOKEN, {
        path: '/',
        maxAge: 3600.9,
        httpOnly: true,
        sameSite: 'strict',
      }),
    ).toBe(`${NAME}=${TOKEN}; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict`);
    expect(
      serializeCookie('__Host-csrf', 'c', {
        path: '/',
        maxAge: 10,
        httpOnly: false,
        sameSite: 'lax',
      }),
    ).toBe('__Host-csrf=c; Path=/; Max-Age=10; Secure; SameSite=Lax');
  });

  it('expires a cookie with an empty value and Max-Age=0, never a negative age', () => {
    expect(
      serializeCookie('__Secure-refresh', '', {
        path: '/auth/refresh',
        maxAge: -5,
        httpOnly: true,
        sameSite: 'strict',
      }),
    ).toBe('__Secure-refresh=; Path=/auth/refresh; Max-Age=0; Secure; HttpOnly; SameSite=Strict');
  });
});
