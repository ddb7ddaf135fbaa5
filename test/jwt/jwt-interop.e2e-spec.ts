import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createCipheriv,
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import {
  compactDecrypt,
  compactVerify,
  createLocalJWKSet,
  importSPKI,
  jwtVerify,
  SignJWT,
} from 'jose';
import { ManualClock, type JwtStrategyOptions } from 'nest-sessions';
import { attackerKeys, b64u, decodeJws, hs256, rs256 } from '../support/jwt/forge.js';
import { createJwtApp, expectRejected, type JwtTestApp } from '../support/jwt/jwt-app.js';

// Tokens the library issues verify with an independent implementation (jose), and the
// library's verifier agrees with jose on RFC 7515 Appendix A.1 while still applying its
// own policy to it.

const START = Date.UTC(2026, 0, 1);
const ISSUER = 'https://api.example';
const AUDIENCE = 'api';
const PERMISSIONS = ['post:create', 'post:read'];
const common = {
  issuer: ISSUER,
  audience: AUDIENCE,
  revocationPollInterval: 0,
} as const;

describe('Interoperability with jose', () => {
  const clock = new ManualClock(START);
  const secret = randomBytes(48);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const apps: JwtTestApp[] = [];
  const verifyOptions = () => ({
    typ: 'at+jwt',
    issuer: ISSUER,
    audience: AUDIENCE,
    currentDate: new Date(clock.now()),
  });

  async function app(jwt: JwtStrategyOptions) {
    const built = await createJwtApp({ clock, jwt: { ...common, ...jwt } });
    apps.push(built);
    return built;
  }

  afterAll(async () => {
    for (const built of apps) await built.close();
  });

  it('HS256: jose verifies the library’s token with the shared secret, and only with it', async () => {
    const t = await app({ secret });
    const issued = await t.login('alice', PERMISSIONS);
    const { payload, protectedHeader } = await jwtVerify(issued.accessToken, secret, {
      ...verifyOptions(),
      algorithms: ['HS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'default' });
    expect(payload).toMatchObject({
      sub: 'alice',
      sid: issued.sessionId,
      permissions: PERMISSIONS,
    });
    await expect(
      jwtVerify(issued.accessToken, randomBytes(48), { ...verifyOptions(), algorithms: ['HS256'] }),
    ).rejects.toThrow();
  });

  it.each([
    ['RS256', () => rsa],
    ['ES256', () => ec],
  ] as const)(
    '%s: jose verifies the library’s token with the public key and with its JWKS',
    async (algorithm, pair) => {
      const { privateKey, publicKey } = pair();
      const t = await app({ keys: [{ kid: `${algorithm}-k`, algorithm, privateKey }] });
      const issued = await t.login('alice', PERMISSIONS);
      const spki = await importSPKI(
        publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        algorithm,
      );
      for (const key of [publicKey, spki]) {
        const { payload } = await jwtVerify(issued.accessToken, key, {
          ...verifyOptions(),
          algorithms: [algorithm],
        });
        expect(payload.sub).toBe('alice');
      }
      const jwks = createLocalJWKSet(t.tokens.jwks());
      const { protectedHeader } = await jwtVerify(issued.accessToken, jwks, verifyOptions());
      expect(protectedHeader.kid).toBe(`${algorithm}-k`);
      const other = attackerKeys()[algorithm === 'RS256' ? 'rsa' : 'ec'].publicKey;
      await expect(jwtVerify(issued.accessToken, other, verifyOptions())).rejects.toThrow();
    },
  );

  it('the library accepts a token jose signs with the shared key and the library’s claim set', async () => {
    const t = await app({ secret });
    const issued = await t.login('alice', PERMISSIONS);
    const claims = decodeJws(issued.accessToken).payload;
    const sign = (typ: string) =>
      new SignJWT({ sid: claims.sid, ep: claims.ep, permissions: PERMISSIONS })
        .setProtectedHeader({ alg: 'HS256', typ, kid: 'default' })
        .setSubject('alice')
        .setJti('jose-1')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.floor(clock.now() / 1000))
        .setExpirationTime(Math.floor(clock.now() / 1000) + 60)
        .sign(secret);
    const ok = await t
      .http()
      .get('/me')
      .set('Authorization', `Bearer ${await sign('at+jwt')}`);
    expect(ok.status).toBe(200);
    expect(ok.body.user).toBe('alice');
    const control = async () => (await t.login('carol', [])).accessToken;
    await expectRejected(t, await sign('JWT'), { users: ['alice'], control });
  });

  describe('RFC 7515 Appendix A.1', () => {
    const K =
      'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow';
    const TOKEN =
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9' +
      '.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ' +
      '.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const key = Buffer.from(K, 'base64url');
    const [h, p, s] = TOKEN.split('.');
    let t: JwtTestApp;

    beforeAll(async () => {
      t = await app({
        keys: [{ kid: 'rfc7515-a1', algorithm: 'HS256', secret: key }],
        issuer: undefined,
        audience: undefined,
      });
    });

    it('the example’s signature is valid under the example’s key (node crypto and jose agree)', async () => {
      expect(key).toHaveLength(64);
      expect(createHmac('sha256', key).update(`${h}.${p}`).digest('base64url')).toBe(s);
      const { payload } = await compactVerify(TOKEN, createSecretKey(key));
      expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
        iss: 'joe',
        exp: 1300819380,
        'http://example.com/is_root': true,
      });
    });

    it('the library, configured with that key, accepts its own tokens (the key is usable)', async () => {
      const issued = await t.login('alice', PERMISSIONS);
      expect((await t.tokens.verify(issued.accessToken))?.userId).toBe('alice');
    });

    it('still rejects the example: no kid, no at+jwt, exp in 2011, foreign and missing claims', async () => {
      const control = async () => (await t.login('carol', [])).accessToken;
      const reject = (token: string) => expectRejected(t, token, { users: ['alice'], control });
      await reject(TOKEN);
      // Each fix of one reason leaves the others: with our header, with our header in 2011,
      // and with the foreign claim removed.
      const ours = { alg: 'HS256', typ: 'at+jwt', kid: 'rfc7515-a1' };
      // The example's exact payload bytes (CRLF and all), under our header.
      const payload = Buffer.from(p, 'base64url').toString();
      const withOurHeader = hs256(ours, payload, key);
      expect(withOurHeader.split('.')[1]).toBe(p);
      await reject(withOurHeader);
      const now = clock.now();
      clock.set(Date.UTC(2011, 2, 22, 18, 0, 0));
      try {
        expect(await t.tokens.verify(withOurHeader)).toBeNull();
        expect(await t.tokens.verify(hs256(ours, { iss: 'joe', exp: 1300819380 }, key))).toBeNull();
      } finally {
        clock.set(now);
      }
    });
  });

  describe('encrypted tokens (jwt.encryption)', () => {
    const encryptionKey = randomBytes(32);
    let t: JwtTestApp;
    const control = async () => (await t.login('carol', [])).accessToken;
    const reject = (token: string) => expectRejected(t, token, { users: ['alice'], control });
    const header = b64u({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' });

    /** A compact JWE with an arbitrary protected header, encrypted with `key` (A256GCM). */
    function jwe(
      protectedHeader: string,
      plaintext: Buffer,
      key: Buffer | KeyObject = encryptionKey,
    ) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return [
        protectedHeader,
        '',
        iv.toString('base64url'),
        ciphertext.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    }

    beforeAll(async () => {
      t = await app({ secret, encryption: { key: encryptionKey } });
    });

    it('issues five-segment dir/A256GCM JWEs that jose decrypts to the signed JWT', async () => {
      const issued = await t.login('alice', PERMISSIONS);
      const parts = issued.accessToken.split('.');
      expect(parts).toHaveLength(5);
      expect(parts[1]).toBe('');
      expect(JSON.parse(Buffer.from(parts[0], 'base64url').toString())).toEqual({
        alg: 'dir',
        enc: 'A256GCM',
        cty: 'JWT',
      });
      const { plaintext } = await compactDecrypt(issued.accessToken, encryptionKey);
      const inner = new TextDecoder().decode(plaintext);
      // The claims are not readable in the token the client holds.
      expect(issued.accessToken).not.toContain(inner.split('.')[1].slice(0, 16));
      const { payload } = await jwtVerify(inner, secret, {
        ...verifyOptions(),
        algorithms: ['HS256'],
      });
      expect(payload.sub).toBe('alice');
      expect(
        (await t.http().get('/me').set('Authorization', `Bearer ${issued.accessToken}`)).status,
      ).toBe(200);
      // Re-encrypting the same inner token ourselves is accepted: the codec is standard.
      expect(
        (
          await t
            .http()
            .get('/me')
            .set('Authorization', `Bearer ${jwe(header, Buffer.from(inner))}`)
        ).status,
      ).toBe(200);
    });

    it('refuses the bare signed token, tampered JWEs and JWEs under another key', async () => {
      const issued = await t.login('alice', PERMISSIONS);
      const { plaintext } = await compactDecrypt(issued.accessToken, encryptionKey);
      const parts = issued.accessToken.split('.');
      const flip = (segment: string) =>
        `${segment.slice(0, 5)}${segment[5] === 'A' ? 'B' : 'A'}${segment.slice(6)}`;
      await reject(Buffer.from(plaintext).toString());
      for (const index of [0, 2, 3, 4]) {
        const tampered = [...parts];
        tampered[index] = flip(tampered[index]);
        await reject(tampered.join('.'));
      }
      await reject([parts[0], 'AAAA', ...parts.slice(2)].join('.'));
      await reject(jwe(header, Buffer.from(plaintext), randomBytes(32)));
    });

    it('refuses other headers before decrypting: PBES2 with a huge p2c, zip, extra parameters', async () => {
      const issued = await t.login('alice', PERMISSIONS);
      const { plaintext } = await compactDecrypt(issued.accessToken, encryptionKey);
      const inner = Buffer.from(plaintext);
      const pbes2 = b64u({
        alg: 'PBES2-HS256+A128KW',
        enc: 'A256GCM',
        p2c: 2147483647,
        p2s: 'AAAAAAAAAAAAAAAAAAAAAA',
      });
      await reject(
        `${pbes2}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA`,
      );
      // Valid encryptions under the right key: only the header differs.
      await reject(
        jwe(b64u({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', zip: 'DEF' }), deflateRawSync(inner)),
      );
      await reject(jwe(b64u({ alg: 'dir', enc: 'A256GCM', cty: 'JWT', kid: 'k' }), inner));
      await reject(jwe(b64u({ enc: 'A256GCM', alg: 'dir', cty: 'JWT' }), inner));
      await reject(jwe(b64u({ alg: 'dir', enc: 'A256GCM' }), inner));
    });

    it('refuses a correctly encrypted JWE around an unsigned or attacker-signed JWT', async () => {
      const issued = await t.login('alice', PERMISSIONS);
      const { plaintext } = await compactDecrypt(issued.accessToken, encryptionKey);
      const claims = decodeJws(new TextDecoder().decode(plaintext)).payload;
      const ours = { alg: 'HS256', typ: 'at+jwt', kid: 'default' };
      for (const inner of [
        `${b64u({ ...ours, alg: 'none' })}.${b64u(claims)}.`,
        hs256(ours, { ...claims, permissions: ['user:admin'] }, randomBytes(48)),
        rs256({ ...ours, alg: 'RS256' }, claims, attackerKeys().rsa.privateKey),
      ]) {
        await reject(jwe(header, Buffer.from(inner)));
      }
    });
  });
});
