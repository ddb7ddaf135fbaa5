import { describe, expect, it } from '@jest/globals';
import { checkAccessClaims, type ClaimRules } from './jwt-claims.js';

const NOW = 1_767_225_600;
const RULES: ClaimRules = {
  embedPermissions: true,
  maxLifetimeSeconds: 900,
  nowSeconds: NOW,
  leewaySeconds: 0,
  issuer: 'https://api.example',
  audience: 'api',
};
const CLAIMS = {
  sub: 'alice',
  sid: 'AAAAAAAAAAAAAAAAAAAAAA',
  jti: 'j1',
  iat: NOW,
  exp: NOW + 900,
  ep: 0,
  permissions: ['post:create'],
  iss: 'https://api.example',
  aud: 'api',
};

/** The claims with `changes` applied; `undefined` deletes a claim. */
function claims(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const result: Record<string, unknown> = { ...CLAIMS, ...changes };
  for (const key of Object.keys(changes)) if (changes[key] === undefined) delete result[key];
  return result;
}

describe('checkAccessClaims', () => {
  it('accepts exactly the claims the library issues', () => {
    expect(checkAccessClaims(claims(), RULES)).toEqual(CLAIMS);
  });

  it('refuses payloads that are not JSON objects', () => {
    for (const payload of [null, undefined, 'alice', 1, [], [CLAIMS]]) {
      expect(checkAccessClaims(payload, RULES)).toBeNull();
    }
  });

  it('refuses any claim it does not issue (nbf, email, roles, ...)', () => {
    for (const extra of [
      { nbf: NOW },
      { email: 'alice@example.com' },
      { roles: ['admin'] },
      { typ: 'at+jwt' },
      { scope: 'admin' },
    ]) {
      expect(checkAccessClaims(claims(extra), RULES)).toBeNull();
    }
    const proto = JSON.parse(`{"__proto__":{"admin":true},${JSON.stringify(CLAIMS).slice(1)}`);
    expect(checkAccessClaims(proto, RULES)).toBeNull();
  });

  it('requires every claim it issues', () => {
    for (const key of ['sub', 'sid', 'jti', 'iat', 'exp', 'ep', 'permissions', 'iss', 'aud']) {
      expect(checkAccessClaims(claims({ [key]: undefined }), RULES)).toBeNull();
    }
  });

  it('requires sub to be a string of 1–255 characters', () => {
    expect(checkAccessClaims(claims({ sub: 'u'.repeat(255) }), RULES)).not.toBeNull();
    for (const sub of ['', 'u'.repeat(256), 1, { $ne: null }, ['alice'], null, true]) {
      expect(checkAccessClaims(claims({ sub }), RULES)).toBeNull();
    }
  });

  it('requires sid to have the exact shape of a session id', () => {
    for (const sid of [
      'A'.repeat(21),
      'A'.repeat(23),
      `${'A'.repeat(21)}=`,
      `${'A'.repeat(21)}/`,
      's1',
      1,
      null,
    ]) {
      expect(checkAccessClaims(claims({ sid }), RULES)).toBeNull();
    }
  });

  it('requires jti to be a string of 1–64 characters', () => {
    expect(checkAccessClaims(claims({ jti: 'j'.repeat(64) }), RULES)).not.toBeNull();
    for (const jti of ['', 'j'.repeat(65), 1, null, ['j1']]) {
      expect(checkAccessClaims(claims({ jti }), RULES)).toBeNull();
    }
  });

  it('requires iat, exp and ep to be safe integers (ep not negative)', () => {
    for (const key of ['iat', 'exp', 'ep']) {
      for (const value of [String(CLAIMS[key as 'iat']), 1.5, 2 ** 53, 1e308, null, true]) {
        expect(checkAccessClaims(claims({ [key]: value }), RULES)).toBeNull();
      }
    }
    expect(checkAccessClaims(claims({ ep: -1 }), RULES)).toBeNull();
    expect(checkAccessClaims(claims({ ep: 7 }), RULES)).not.toBeNull();
  });

  it('requires exp after iat and a lifetime of at most maxLifetimeSeconds', () => {
    expect(checkAccessClaims(claims({ exp: NOW + 1 }), RULES)).not.toBeNull();
    expect(checkAccessClaims(claims({ exp: NOW }), RULES)).toBeNull();
    expect(checkAccessClaims(claims({ exp: NOW - 1 }), RULES)).toBeNull();
    expect(checkAccessClaims(claims({ exp: NOW + 900 }), RULES)).not.toBeNull();
    expect(checkAccessClaims(claims({ exp: NOW + 901 }), RULES)).toBeNull();
    expect(checkAccessClaims(claims({ exp: NOW + 10 * 365 * 86_400 }), RULES)).toBeNull();
  });

  it('refuses iat in the future beyond the leeway', () => {
    expect(checkAccessClaims(claims({ iat: NOW + 1, exp: NOW + 60 }), RULES)).toBeNull();
    const leeway = { ...RULES, leewaySeconds: 30 };
    expect(checkAccessClaims(claims({ iat: NOW + 30, exp: NOW + 60 }), leeway)).not.toBeNull();
    expect(checkAccessClaims(claims({ iat: NOW + 31, exp: NOW + 60 }), leeway)).toBeNull();
  });

  it('requires iss and aud to equal the configured strings exactly (no arrays)', () => {
    for (const changes of [
      { iss: 'https://evil.example' },
      { iss: ['https://evil.example', 'https://api.example'] },
      { iss: ['https://api.example'] },
      { iss: 'https://api.example/' },
      { aud: 'other-service' },
      { aud: ['api'] },
      { aud: ['api', 'other-service'] },
      { aud: 'API' },
    ]) {
      expect(checkAccessClaims(claims(changes), RULES)).toBeNull();
    }
  });

  it('refuses iss and aud when none is configured', () => {
    const bare = { ...RULES, issuer: undefined, audience: undefined };
    expect(checkAccessClaims(claims({ iss: undefined, aud: undefined }), bare)).not.toBeNull();
    expect(checkAccessClaims(claims({ aud: undefined }), bare)).toBeNull();
    expect(checkAccessClaims(claims({ iss: undefined }), bare)).toBeNull();
  });

  it('requires well-formed embedded permissions (at most 256) when they are embedded', () => {
    const many = Array.from({ length: 256 }, (_, i) => `p:${i}`);
    expect(checkAccessClaims(claims({ permissions: [] }), RULES)).not.toBeNull();
    expect(checkAccessClaims(claims({ permissions: many }), RULES)).not.toBeNull();
    for (const permissions of [
      [...many, 'p:256'],
      'post:create',
      [1],
      ['post create'],
      [''],
      ['p'.repeat(129)],
      [null],
      { 0: 'post:create', length: 1 },
    ]) {
      expect(checkAccessClaims(claims({ permissions }), RULES)).toBeNull();
    }
  });

  it('refuses a permissions claim when permissions are not embedded', () => {
    const store = { ...RULES, embedPermissions: false };
    expect(checkAccessClaims(claims({ permissions: undefined }), store)).not.toBeNull();
    expect(checkAccessClaims(claims(), store)).toBeNull();
    expect(checkAccessClaims(claims({ permissions: [] }), store)).toBeNull();
  });
});
