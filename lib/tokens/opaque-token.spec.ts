import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  OPAQUE_TOKEN_LENGTH,
  SESSION_ID_LENGTH,
  generateOpaqueToken,
  generateSessionId,
  hashToken,
  hashesEqual,
  isOpaqueToken,
  isSessionId,
} from './opaque-token.js';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

describe('generateOpaqueToken', () => {
  it('makes 43-character base64url tokens that decode to 32 bytes', () => {
    const token = generateOpaqueToken();
    expect(OPAQUE_TOKEN_LENGTH).toBe(43);
    expect(token).toHaveLength(43);
    expect(token).toMatch(BASE64URL);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(isOpaqueToken(token)).toBe(true);
  });

  it('never repeats in 1000 tokens', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateOpaqueToken()));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(isOpaqueToken(token)).toBe(true);
  });
});

describe('isOpaqueToken', () => {
  const valid = generateOpaqueToken();

  it.each([1, 42, 44, 4096])('refuses %i base64url characters', (length) => {
    expect(isOpaqueToken('A'.repeat(length))).toBe(false);
  });

  it('accepts every base64url character at the right length', () => {
    expect(isOpaqueToken('Az09-_'.repeat(7) + 'x')).toBe(true);
  });

  it.each([
    ['standard base64 "+"', `${valid.slice(0, 42)}+`],
    ['standard base64 "/"', `/${valid.slice(1)}`],
    ['padding "="', `${valid.slice(0, 42)}=`],
    ['a space', `${valid.slice(0, 20)} ${valid.slice(21)}`],
    ['a NUL byte', `${valid.slice(0, 42)}\u0000`],
    ['a non-ASCII letter', `${valid.slice(0, 42)}é`],
    ['a glob star', `${valid.slice(0, 42)}*`],
    ['a percent escape', `${valid.slice(0, 40)}%2A`],
  ])('refuses %s', (_what, token) => {
    expect(token).toHaveLength(43);
    expect(isOpaqueToken(token)).toBe(false);
  });

  it.each([undefined, null, 43, ['a'.repeat(43)], { length: 43 }, Buffer.from('a'.repeat(43))])(
    'refuses the non-string %p',
    (value) => {
      expect(isOpaqueToken(value)).toBe(false);
    },
  );
});

describe('session ids', () => {
  it('are 22 base64url characters and are not opaque tokens', () => {
    const id = generateSessionId();
    expect(id).toHaveLength(SESSION_ID_LENGTH);
    expect(isSessionId(id)).toBe(true);
    expect(isOpaqueToken(id)).toBe(false);
    expect(isSessionId(generateOpaqueToken())).toBe(false);
    expect(isSessionId(`${id.slice(0, 21)}.`)).toBe(false);
  });
});

describe('hashToken', () => {
  it('is the lowercase hex SHA-256 of the token', () => {
    const token = generateOpaqueToken();
    expect(hashToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('hashesEqual', () => {
  const a = hashToken('a');
  const b = hashToken('b');

  it('is true for equal hashes and false for different ones', () => {
    expect(hashesEqual(a, hashToken('a'))).toBe(true);
    expect(hashesEqual(a, b)).toBe(false);
  });

  it('returns false for unequal lengths instead of throwing', () => {
    expect(() => hashesEqual(a, a.slice(1))).not.toThrow();
    expect(hashesEqual(a, a.slice(1))).toBe(false);
    expect(hashesEqual(a, `${a}0`)).toBe(false);
    expect(hashesEqual('', a)).toBe(false);
  });
});
