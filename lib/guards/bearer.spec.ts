import { describe, expect, it } from '@jest/globals';
import { MAX_AUTHORIZATION_LENGTH, parseAuthorization, parseBearer } from './bearer.js';

const TOKEN = 'a'.repeat(43);

describe('parseBearer', () => {
  it('reads a Bearer token, scheme in any case', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(parseBearer(`${scheme} ${TOKEN}`)).toEqual({ kind: 'token', token: TOKEN });
    }
  });

  it('accepts every RFC 6750 b64token character and trailing "="', () => {
    expect(parseBearer('Bearer aZ09-._~+/==')).toEqual({ kind: 'token', token: 'aZ09-._~+/==' });
  });

  it('tells a missing header from another scheme and from a broken Bearer header', () => {
    expect(parseBearer(undefined)).toEqual({ kind: 'none' });
    expect(parseBearer('Basic YWxpY2U6cGFzc3dvcmQ=')).toEqual({ kind: 'other-scheme' });
    expect(parseBearer('Token abc')).toEqual({ kind: 'other-scheme' });
    expect(parseBearer(TOKEN)).toEqual({ kind: 'other-scheme' });
    for (const broken of [
      'Bearer',
      'Bearer ',
      `Bearer  ${TOKEN}`,
      `Bearer\t${TOKEN}`,
      `Bearer ${TOKEN} x`,
    ]) {
      expect(parseBearer(broken)).toEqual({ kind: 'malformed' });
    }
  });

  it('refuses characters outside b64token, "=" in the middle, and non-strings', () => {
    for (const bad of [
      "' OR '1'='1",
      '*',
      'a=b',
      'café',
      'to\u0000ken',
      '\u200Babc',
      '{"$ne":null}',
    ]) {
      expect(parseBearer(`Bearer ${bad}`)).toEqual({ kind: 'malformed' });
    }
    expect(parseBearer(['Bearer a', 'Bearer b'])).toEqual({ kind: 'malformed' });
  });

  it('refuses an over-long header without scanning it', () => {
    expect(parseBearer(`Bearer ${'A'.repeat(MAX_AUTHORIZATION_LENGTH)}`)).toEqual({
      kind: 'malformed',
    });
    expect(parseBearer(`Bearer ${'A'.repeat(MAX_AUTHORIZATION_LENGTH - 7)}`).kind).toBe('token');
  });
});

describe('parseAuthorization', () => {
  const headers = { authorization: `Bearer ${TOKEN}` };

  it('parses the one Authorization header of a request', () => {
    expect(parseAuthorization({ headers })).toEqual({ kind: 'token', token: TOKEN });
    const rawHeaders = ['Host', 'x', 'Authorization', `Bearer ${TOKEN}`];
    expect(parseAuthorization({ headers, rawHeaders })).toEqual({ kind: 'token', token: TOKEN });
    expect(parseAuthorization({ headers: {}, rawHeaders: ['Host', 'x'] })).toEqual({
      kind: 'none',
    });
  });

  it('refuses a repeated Authorization header, in any case, on Express and Fastify', () => {
    const rawHeaders = ['authorization', `Bearer ${TOKEN}`, 'AUTHORIZATION', 'Bearer garbage'];
    expect(parseAuthorization({ headers, rawHeaders })).toEqual({ kind: 'malformed' });
    expect(parseAuthorization({ headers, raw: { rawHeaders } })).toEqual({ kind: 'malformed' });
  });
});
