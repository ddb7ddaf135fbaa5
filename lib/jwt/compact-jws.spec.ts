import { describe, expect, it } from '@jest/globals';
import { readJwsHeader } from './compact-jws.js';

const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = { alg: 'HS256', typ: 'at+jwt', kid: 'default' };
const PAYLOAD = b64u({ sub: 'alice' });
const SIG = 'c2lnbmF0dXJl';
const jws = (header: unknown, payload = PAYLOAD, signature = SIG) =>
  `${typeof header === 'string' ? header : b64u(header)}.${payload}.${signature}`;

describe('readJwsHeader', () => {
  it('returns alg, typ and kid of a well-formed compact JWS', () => {
    expect(readJwsHeader(jws(HEADER), 4096)).toEqual(HEADER);
  });

  it('does not decode or judge the payload', () => {
    expect(readJwsHeader(jws(HEADER, 'AAAA'), 4096)).toEqual(HEADER);
  });

  it('refuses anything but exactly three non-empty segments', () => {
    const h = b64u(HEADER);
    for (const token of [
      `${h}.${PAYLOAD}`,
      `${h}.${PAYLOAD}.`,
      `${h}..${SIG}`,
      `.${PAYLOAD}.${SIG}`,
      `${h}.${PAYLOAD}.${SIG}.`,
      `${h}.${PAYLOAD}.${SIG}.x.y`,
      `${h}`,
      '..',
      '',
    ]) {
      expect(readJwsHeader(token, 4096)).toBeNull();
    }
  });

  it('refuses characters outside base64url, including padding and whitespace', () => {
    const token = jws(HEADER);
    for (const bad of ['=', '+', '/', ' ', '\n', '\u0000', '%', 'é']) {
      expect(readJwsHeader(`${token}${bad}`, 4096)).toBeNull();
      expect(readJwsHeader(`${bad}${token}`, 4096)).toBeNull();
    }
  });

  it('refuses tokens longer than maxLength, and accepts one exactly that long', () => {
    const token = jws(HEADER);
    expect(readJwsHeader(token, token.length)).toEqual(HEADER);
    expect(readJwsHeader(token, token.length - 1)).toBeNull();
  });

  it('refuses a header segment longer than 256 characters, accepts one of 256', () => {
    // 192 JSON bytes encode to exactly 256 base64url characters.
    const kidLength = 192 - JSON.stringify({ ...HEADER, kid: '' }).length;
    const atLimit = b64u({ ...HEADER, kid: 'k'.repeat(kidLength) });
    const over = b64u({ ...HEADER, kid: 'k'.repeat(kidLength + 1) });
    expect([atLimit.length, over.length]).toEqual([256, 258]);
    expect(readJwsHeader(jws(atLimit), 8192)).not.toBeNull();
    expect(readJwsHeader(jws(over), 8192)).toBeNull();
  });

  it('refuses headers that are not a JSON object', () => {
    for (const header of [
      'bm90IGpzb24',
      b64u([HEADER]),
      b64u(null),
      b64u('HS256'),
      b64u(1),
      Buffer.from('{"alg":"HS256",').toString('base64url'),
    ]) {
      expect(readJwsHeader(jws(header), 4096)).toBeNull();
    }
  });

  it('refuses every header parameter but alg, typ and kid (jwk, jku, x5u, x5c, crit, zip, enc, b64, cty)', () => {
    for (const extra of [
      { jwk: { kty: 'oct', k: 'AAAA' } },
      { jku: 'http://127.0.0.1/jwks.json' },
      { x5u: 'http://127.0.0.1/cert.pem' },
      { x5c: ['MIIB'] },
      { x5t: 'AAAA' },
      { crit: ['exp'] },
      { zip: 'DEF' },
      { enc: 'A256GCM' },
      { b64: false },
      { cty: 'JWT' },
      { p2c: 2147483647 },
      { constructor: 'x' },
    ]) {
      expect(readJwsHeader(jws({ ...HEADER, ...extra }), 4096)).toBeNull();
    }
    // An own "__proto__" key (as JSON.parse creates it) is a parameter like any other.
    const proto = Buffer.from('{"alg":"HS256","typ":"at+jwt","kid":"k","__proto__":{}}');
    expect(readJwsHeader(jws(proto.toString('base64url')), 4096)).toBeNull();
  });

  it('requires alg, typ and kid to be strings', () => {
    for (const key of ['alg', 'typ', 'kid'] as const) {
      const missing: Record<string, unknown> = { ...HEADER };
      delete missing[key];
      expect(readJwsHeader(jws(missing), 4096)).toBeNull();
      for (const value of [null, 1, true, ['x'], { x: 1 }]) {
        expect(readJwsHeader(jws({ ...HEADER, [key]: value }), 4096)).toBeNull();
      }
    }
  });

  it('reads a duplicated parameter as JSON.parse does (the last one), like the signature check', () => {
    const raw = Buffer.from('{"alg":"none","typ":"at+jwt","kid":"k","alg":"HS256"}').toString(
      'base64url',
    );
    expect(readJwsHeader(jws(raw), 4096)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'k' });
  });

  it('refuses non-string input without throwing', () => {
    for (const value of [undefined, null, 1, {}, ['a.b.c']]) {
      expect(readJwsHeader(value as never, 4096)).toBeNull();
    }
  });
});
