import { describe, expect, it } from '@jest/globals';
import type { AccessTokenClaims } from './jwt-claims.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

const claims = (sid: string, exp: number): AccessTokenClaims => ({
  sub: 'alice',
  sid,
  jti: `j-${sid}`,
  iat: exp - 900,
  exp,
  ep: 0,
});

describe('VerifiedTokenCache', () => {
  it('answers a remembered token until exp + leeway, then forgets it', () => {
    const cache = new VerifiedTokenCache(10);
    cache.remember('token-a', claims('a', 1_000));
    expect(cache.get('token-a', 999, 0)?.sid).toBe('a');
    expect(cache.get('token-b', 999, 0)).toBeNull();
    expect(cache.get('token-a', 1_004, 5)?.sid).toBe('a');
    expect(cache.get('token-a', 1_005, 5)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('matches the exact text only', () => {
    const cache = new VerifiedTokenCache(10);
    cache.remember('aaa.bbb.ccc', claims('a', 1_000));
    expect(cache.get('aaa.bbb.ccd', 0, 0)).toBeNull();
    expect(cache.get('aaa.bbb.cc', 0, 0)).toBeNull();
    expect(cache.get('AAA.bbb.ccc', 0, 0)).toBeNull();
  });

  it('holds at most `capacity` tokens, making room by dropping the oldest', () => {
    const cache = new VerifiedTokenCache(3);
    for (const name of ['t1', 't2', 't3', 't4']) cache.remember(name, claims(name, 1_000));
    expect(cache.size).toBe(3);
    expect(cache.get('t1', 0, 0)).toBeNull();
    expect(cache.get('t4', 0, 0)?.sid).toBe('t4');
    cache.remember('t4', claims('t4', 1_000)); // already there: nothing else is dropped
    expect(cache.get('t2', 0, 0)?.sid).toBe('t2');
  });

  it('remembers nothing with capacity 0', () => {
    const cache = new VerifiedTokenCache(0);
    cache.remember('token-a', claims('a', 1_000));
    expect(cache.get('token-a', 0, 0)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it('hands out claims that cannot be altered by one caller for the next', () => {
    const cache = new VerifiedTokenCache(10);
    cache.remember('token-a', claims('a', 1_000));
    const first = cache.get('token-a', 0, 0) as { sub: string };
    expect(() => {
      first.sub = 'mallory';
    }).toThrow(TypeError);
    expect(cache.get('token-a', 0, 0)?.sub).toBe('alice');
  });
});
