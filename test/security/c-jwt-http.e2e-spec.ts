import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserService } from 'nest-sessions';
import { loadChirpConfig } from '../../sample-app/src/config/chirp-config.js';
import {
  attackerKeys,
  b64u,
  decodeJws,
  es256,
  hmacJws,
  hs256,
  malleableVariants,
  rs256,
  startCountingListener,
  type CountingListener,
} from '../support/jwt/forge.js';
import { expectGeneric401, expectNo5xx, type AnyResponse } from './support/expectations.js';
import {
  bearer,
  itKeepsSecretsOutOfTheLog,
  securityConfigs,
  type SecurityConfig,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist C (S14–S27) through Chirp's real routes with TOKEN_STRATEGY=value. The JWT
// attack suite (test/jwt/) covers the library itself on HS256, RS256 and ES256; here the
// core cases run against Chirp as configured: an HS256 secret generated at start-up (SQLite
// store) and an ES256 key file (JWT_PRIVATE_KEY_FILE, memory store); verification reads no
// store, and revocation on every store is in f-revocation. Tokens
// "signed with the real key" simulate an issuance bug or a key leak: they test the
// verifier's policy.

/** The checklist's payload `{"sub":"1","sid":"s1","iat":1700000000,"exp":4102444800}`. */
const CHECKLIST_PAYLOAD =
  'eyJzdWIiOiIxIiwic2lkIjoiczEiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDgwMH0';
const CHECKLIST_HS256 = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9';
const ALLOWED_CLAIMS = ['aud', 'ep', 'exp', 'iat', 'iss', 'jti', 'permissions', 'sid', 'sub'];

const keyDir = mkdtempSync(join(tmpdir(), 'chirp-es256-'));
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const esKeyFile = join(keyDir, 'jwt-key.pem');
writeFileSync(esKeyFile, es.privateKey.export({ type: 'pkcs8', format: 'pem' }));

interface JwtSetup {
  readonly config: SecurityConfig;
  readonly alg: 'HS256' | 'ES256';
  readonly env: Record<string, string>;
}

const SETUPS: JwtSetup[] = [
  ...securityConfigs(['sqlite'], ['value']).map((config) => ({
    config,
    alg: 'HS256' as const,
    env: {},
  })),
  ...securityConfigs(['memory'], ['value']).map((config) => ({
    config: { ...config, name: `${config.name}, ES256 key file` },
    alg: 'ES256' as const,
    env: { JWT_PRIVATE_KEY_FILE: esKeyFile },
  })),
];

afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

describe.each(SETUPS)(
  'Security C: value tokens over HTTP ($config.name)',
  ({ config, alg, env }) => {
    const chirp = useSecurityChirp(config, { env });
    let alice: TokenPair;
    let bob: TokenPair;
    let claims: Record<string, unknown>;
    let head: Record<string, unknown>;
    let postB: number;
    let listener: CountingListener;

    /** Signs with Chirp's real key. */
    const signReal = (header: object, payload: object | string) =>
      alg === 'HS256'
        ? hs256(header, payload, chirp.jwtSecret)
        : es256(header, payload, es.privateKey);
    /** Alice's claims with `changes` (`undefined` deletes a claim), signed with the real key. */
    const realWith = (changes: Record<string, unknown>, header: object = head) => {
      const payload: Record<string, unknown> = { ...claims, ...changes };
      for (const key of Object.keys(changes)) if (changes[key] === undefined) delete payload[key];
      return signReal(header, payload);
    };
    const now = () => Math.floor(chirp.clock.now() / 1000);
    const parts = (token: string) => token.split('.');

    /** G1–G5 for a token that must be refused: GET /me and a state-changing POST. */
    async function expectRefused(token: string): Promise<void> {
      await chirp.probe(
        () => chirp.me(token),
        (res) => expectGeneric401(res, true, [token]),
      );
      await chirp.probe(
        () => chirp.http.post(`/posts/${postB}/like`).set(bearer(token)),
        (res) => expectGeneric401(res, true, [token]),
      );
    }

    async function expectAllRefused(tokens: readonly string[]): Promise<void> {
      for (const token of tokens) await expectRefused(token);
    }

    beforeAll(async () => {
      listener = await startCountingListener();
      alice = await chirp.session('alice');
      bob = await chirp.session('bob');
      const decoded = decodeJws(alice.accessToken);
      claims = decoded.payload;
      head = decoded.header;
      postB = await chirp.createPost(bob.accessToken, 'P_B');
    });

    afterAll(async () => {
      await listener?.close();
    });

    it('positive control: Chirp accepts its own token and the same claims re-signed with its key', async () => {
      expect(head).toEqual({ alg, typ: 'at+jwt', kid: expect.any(String) });
      for (const token of [alice.accessToken, realWith({})]) {
        const res = await chirp.me(token);
        expect({ status: res.status, id: (res.body as { id?: string }).id }).toEqual({
          status: 200,
          id: chirp.ids.alice,
        });
      }
    });

    it('S14: alg "none" in every casing, with an empty, missing or borrowed signature → 401', async () => {
      const [, payloadA, signatureA] = parts(alice.accessToken);
      const tokens: string[] = [];
      for (const none of ['none', 'None', 'NONE', 'nOnE']) {
        const checklist = b64u({ alg: none, typ: 'JWT' });
        const ours = b64u({ ...head, alg: none });
        tokens.push(
          `${checklist}.${CHECKLIST_PAYLOAD}.`,
          `${checklist}.${CHECKLIST_PAYLOAD}`,
          `${ours}.${payloadA}.`,
          `${ours}.${payloadA}`,
          `${ours}.${payloadA}.${signatureA}`,
        );
      }
      await expectAllRefused(tokens);
    });

    it('S15: tampered claims, stripped, replaced or swapped signatures → 401', async () => {
      const [headerA, payloadA, signatureA] = parts(alice.accessToken);
      const [, , signatureB] = parts(bob.accessToken);
      await expectAllRefused([
        `${headerA}.${b64u({ ...claims, sub: chirp.ids.bob })}.${signatureA}`,
        `${headerA}.${b64u({ ...claims, permissions: ['users:manage', 'posts:delete:any'] })}.${signatureA}`,
        `${headerA}.${b64u({ ...claims, exp: (claims.exp as number) + 3600 })}.${signatureA}`,
        `${headerA}.${payloadA}.AAAA`,
        `${headerA}.${payloadA}.${signatureB}`,
        `${headerA}.${payloadA}.`,
        `${headerA}.${payloadA}`,
      ]);
      const admin = await chirp.http
        .get('/admin/users')
        .set(
          bearer(`${headerA}.${b64u({ ...claims, permissions: ['users:manage'] })}.${signatureA}`),
        );
      expectGeneric401(admin, true);
    });

    it('S16: one algorithm per key: attacker RS256/ES256, other HMAC sizes, the public key as HMAC secret → 401', async () => {
      const { rsa, ec } = attackerKeys();
      const forged = [
        rs256({ ...head, alg: 'RS256' }, claims, rsa.privateKey),
        es256({ ...head, alg: 'ES256' }, claims, ec.privateKey),
        rs256({ alg: 'RS256', typ: 'JWT' }, claims, rsa.privateKey),
      ];
      if (alg === 'HS256') {
        forged.push(
          hmacJws({ ...head, alg: 'HS512' }, claims, chirp.jwtSecret, 512),
          hmacJws({ ...head, alg: 'HS384' }, claims, chirp.jwtSecret, 384),
        );
      } else {
        // The public key exactly as Chirp publishes it, in every form an HMAC might be keyed with.
        const jwks = await chirp.http.get('/.well-known/jwks.json');
        const jwk = (jwks.body as { keys: JsonWebKey[] }).keys[0];
        const publicKey: KeyObject = createPublicKey({ key: jwk, format: 'jwk' });
        const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
        for (const secret of [
          pem,
          pem.trimEnd(),
          ` \n${pem}`,
          `\t${pem}`,
          publicKey.export({ type: 'spki', format: 'der' }),
          JSON.stringify(jwk),
        ]) {
          forged.push(hs256({ ...head, alg: 'HS256' }, claims, secret));
        }
      }
      await expectAllRefused(forged);
    });

    it('S17: tokens signed with weak, default or empty secrets → 401', async () => {
      const forged = [
        `${CHECKLIST_HS256}.${CHECKLIST_PAYLOAD}.V2arxAgjTIdyNQu-J5djnVUvnHhUX9QCNagcnlJM0CU`,
        `${CHECKLIST_HS256}.${CHECKLIST_PAYLOAD}.7BdUhTmQv4zAlnjquZ5zW3PIZwqJ2oKFbDn_lgb_sng`,
        `${CHECKLIST_HS256}.${CHECKLIST_PAYLOAD}.MOAtiKYs82qNgMvTZbMshO-SFoYHb3SX5AL2t3ugixg`,
      ];
      for (const weak of [
        'secret',
        'your-256-bit-secret',
        '',
        'changeme',
        'jwt_secret',
        'chirp',
        'chirp-1',
      ]) {
        forged.push(hs256({ ...head, alg: 'HS256' }, claims, weak));
      }
      await expectAllRefused(forged);
    });

    it('S17: Chirp refuses to start with a missing (production), empty, short or default secret, or a weak key file', () => {
      const refused = (extra: Record<string, string>) => () =>
        loadChirpConfig({ TOKEN_STRATEGY: 'value', DATABASE_URL: 'sqlite::memory:', ...extra });
      expect(refused({ NODE_ENV: 'production' })).toThrow(/^JWT_SECRET: required in production/);
      expect(refused({ NODE_ENV: 'production', JWT_SECRET: '' })).toThrow(/^JWT_SECRET/);
      for (const weak of ['secret', 'short', 'a'.repeat(31), 'your-256-bit-secret']) {
        expect(refused({ JWT_SECRET: weak })).toThrow(/^JWT_SECRET/);
      }
      // 32+ characters but with almost no distinct bytes: the library's rules refuse it.
      expect(refused({ JWT_SECRET: 'a'.repeat(48) })).toThrow(/^JWT_SECRET/);
      // Key files: RSA under 2048 bits, EC off P-256, and keys of no signing type refuse too.
      for (const key of [
        generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
        generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey,
        generateKeyPairSync('x25519').privateKey,
      ]) {
        const file = join(
          keyDir,
          `weak-${key.asymmetricKeyType}-${key.asymmetricKeyDetails?.namedCurve ?? ''}.pem`,
        );
        writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }));
        expect(refused({ JWT_PRIVATE_KEY_FILE: file })).toThrow(/^JWT_PRIVATE_KEY_FILE/);
      }
    });

    it('S18: keys named in the header (jwk, jku, x5u, x5c) → 401, and nothing is fetched', async () => {
      const { rsa } = attackerKeys();
      const jwk = rsa.publicKey.export({ format: 'jwk' });
      const forged = [
        rs256({ alg: 'RS256', typ: 'at+jwt', jwk }, claims, rsa.privateKey),
        rs256(
          { alg: 'RS256', typ: 'at+jwt', jku: `${listener.url}/jwks.json`, kid: 'k1' },
          claims,
          rsa.privateKey,
        ),
        rs256(
          { alg: 'RS256', typ: 'at+jwt', x5u: `${listener.url}/cert.pem` },
          claims,
          rsa.privateKey,
        ),
        rs256({ alg: 'RS256', typ: 'at+jwt', x5c: ['MIIB'] }, claims, rsa.privateKey),
        // The same headers around a signature by the real key: still refused (unknown parameters).
        realWith({}, { ...head, jku: `${listener.url}/jwks.json` }),
        realWith({}, { ...head, jwk }),
      ];
      await expectAllRefused(forged);
      expect(listener.requests).toHaveLength(0);
    });

    it('S19: kid injection, traversal, oversized or non-string kid → 401', async () => {
      const forged = [
        hs256({ alg: 'HS256', typ: 'at+jwt', kid: "x' UNION SELECT 'AAAA'-- -" }, claims, 'AAAA'),
        hs256({ alg: 'HS256', typ: 'at+jwt', kid: '../../../../../../dev/null' }, claims, ''),
        hs256({ alg: 'HS256', typ: 'at+jwt', kid: 'k'.repeat(10_000) }, claims, 'k'),
        hs256({ alg: 'HS256', typ: 'at+jwt', kid: { $ne: null } }, claims, ''),
        hs256({ alg: 'HS256', typ: 'at+jwt', kid: ['chirp-1'] }, claims, ''),
        realWith({}, { ...head, kid: `${String(head.kid)}-other` }),
        realWith({}, { ...head, kid: String(head.kid).toUpperCase() }),
      ];
      await expectAllRefused(forged);
    });

    it('S20: expired, boundary, missing, non-numeric and absurd exp, or a lifetime over the maximum → 401; exp = now + 60 → 200', async () => {
      const t = now();
      await expectAllRefused([
        realWith({ exp: t - 1 }),
        realWith({ exp: t }),
        realWith({ exp: t - 61 }),
        realWith({ exp: undefined }),
        realWith({ exp: String(t + 60) }),
        realWith({ exp: 1e308 }),
        realWith({ exp: -1 }),
        realWith({ exp: t + 60 + 0.5 }),
        realWith({ iat: t, exp: t + 10 * 365 * 86_400 }),
        realWith({ iat: t - 7200, exp: t + 60 }), // lifetime beyond ACCESS_TOKEN_TTL
      ]);
      const fresh = await chirp.me(realWith({ iat: t, exp: t + 60 }));
      expect(fresh.status).toBe(200);
    });

    it('S21: future nbf, future iat, non-numeric nbf → 401', async () => {
      const t = now();
      await expectAllRefused([
        realWith({ nbf: t + 3600 }),
        realWith({ iat: t + 3600, exp: t + 3700 }),
        realWith({ nbf: '0' }),
      ]);
    });

    it('S22: wrong or missing aud/iss, array iss, non-string sub/sid/jti → 401', async () => {
      await expectAllRefused([
        realWith({ aud: 'other-service' }),
        realWith({ aud: undefined }),
        realWith({ aud: ['chirp'] }),
        realWith({ iss: 'https://evil.example' }),
        realWith({ iss: ['https://evil.example', 'chirp'] }),
        realWith({ iss: undefined }),
        realWith({ sub: { $ne: null } }),
        realWith({ sub: 1 }),
        realWith({ sub: '' }),
        realWith({ sid: 1 }),
        realWith({ sid: 'not-a-session-id' }),
        realWith({ jti: 1 }),
      ]);
    });

    it('S22: a duplicated sub claim resolves to one user consistently (the last, as JSON.parse reads it), never a merge', async () => {
      const raw = JSON.stringify(claims).replace(
        '"sub":',
        `"sub":${JSON.stringify(chirp.ids.bob)},"sub":`,
      );
      const res = await chirp.me(signReal(head, raw));
      expect({ status: res.status, id: (res.body as { id?: string }).id }).toEqual({
        status: 200,
        id: chirp.ids.alice,
      });
    });

    it('S22: sub with a trailing space (real key) never resolves to that user nor answers 5xx', async () => {
      const token = realWith({ sub: `${chirp.ids.alice} ` });
      // The token verifies (the key is real) but names a user that does not exist: routes that
      // load the user answer 404, the fresh-session route (creating a post) 401; none acts as
      // alice. A like by nobody fails on the missing user and says so (404 User not found).
      const cases: Array<[() => PromiseLike<AnyResponse>, number, string]> = [
        [() => chirp.me(token), 404, 'User not found'],
        [
          () => chirp.http.post('/posts').set(bearer(token)).send({ text: 'as a ghost' }),
          401,
          'Invalid or missing access token',
        ],
        [() => chirp.http.post(`/posts/${postB}/like`).set(bearer(token)), 404, 'User not found'],
        [
          () => chirp.http.patch('/me').set(bearer(token)).send({ displayName: 'ghost' }),
          404,
          'User not found',
        ],
      ];
      for (const [send, status, message] of cases) {
        await chirp.probe(send, (res) => {
          expectNo5xx(res);
          expect({
            status: res.status,
            message: (res.body as { message?: string }).message,
          }).toEqual({ status, message });
        });
      }
    });

    it('S23: other JWT types (refresh+jwt, JWT, none) and tokens of the wrong kind → 401', async () => {
      await expectAllRefused([
        realWith({}, { ...head, typ: 'refresh+jwt' }),
        realWith({}, { ...head, typ: 'JWT' }),
        realWith({}, { alg: head.alg, kid: head.kid }),
        alice.refreshToken,
      ]);
      // The access token is not a refresh token either: 400 when longer than the 512
      // characters the refresh body accepts (the DTO's limit), 401 otherwise.
      const expected = alice.accessToken.length > 512 ? 400 : 401;
      await chirp.probe(
        () => chirp.refresh(alice.accessToken),
        (res) => expect(res.status).toBe(expected),
      );
    });

    it('S24: JWE-shaped, PBES2, crit and zip headers → 401', async () => {
      await expectAllRefused([
        'a.b.c.d.e',
        `${b64u({ alg: 'dir', enc: 'A256GCM' })}.${'A'.repeat(10)}.${'B'.repeat(16)}.${'C'.repeat(20)}.${'D'.repeat(22)}`,
        hs256({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 2_147_483_647 }, claims, 'x'),
        realWith({}, { ...head, crit: ['x-unknown'], 'x-unknown': 1 }),
        realWith({}, { ...head, zip: 'DEF' }),
        realWith({}, { ...head, b64: false, crit: ['b64'] }),
      ]);
    });

    it('S25: after logout the token and every other encoding of its signature → 401', async () => {
      const pair = await chirp.session('alice');
      expect((await chirp.http.post('/auth/logout').set(bearer(pair.accessToken))).status).toBe(
        204,
      );
      await expectAllRefused([pair.accessToken, ...malleableVariants(pair.accessToken)]);
    });

    it('S26: a disabled user’s token → 401 at once; a deleted session → refused on fresh-session routes at once and everywhere within ACCESS_TOKEN_TTL', async () => {
      const users = chirp.harness.app.get(UserService);
      const carol = await chirp.sessionFor(
        (
          await users.register({
            username: `carol_${Date.now() % 1e6}`,
            password: 'carol-password',
            permissions: ['posts:like'],
          })
        ).id,
      );
      const carolId = (await chirp.me(carol.accessToken)).body as { id: string };
      await users.setDisabled(carolId.id, true);
      await expectRefused(carol.accessToken);

      // A session removed from the store behind the library's back (an operator's DELETE).
      const pair = await chirp.session('bob');
      const sid = decodeJws(pair.accessToken).payload.sid as string;
      await chirp.store.delete(sid);
      expect((await chirp.me(pair.accessToken)).status).toBe(200); // documented: no per-request lookup
      const fresh = await chirp.http
        .post('/auth/password')
        .set(bearer(pair.accessToken))
        .send({ currentPassword: 'e2e-demo-password', newPassword: 'new-password-1' });
      expectGeneric401(fresh, true);
      const start = chirp.clock.now();
      try {
        chirp.clock.advance(chirp.harness.config.accessTokenTtl * 1000 + 1);
        expectGeneric401(await chirp.me(pair.accessToken), true);
      } finally {
        chirp.clock.set(start);
      }
    });

    it('S27: the payload holds only identifiers, validity claims and permissions: no username, profile or hash', () => {
      expect(Object.keys(claims).sort()).toEqual(ALLOWED_CLAIMS);
      const text = JSON.stringify(claims);
      for (const leak of [
        'alice',
        '$argon2',
        'localhost',
        '127.0.0.1',
        'password',
        'displayName',
      ]) {
        expect(text.includes(leak)).toBe(false);
      }
      expect(claims.sub).toBe(chirp.ids.alice);
    });

    itKeepsSecretsOutOfTheLog(chirp);
  },
);

describe.each(securityConfigs(['memory'], ['value']))(
  'Security C: S20 clock leeway (JWT_LEEWAY=30, $name)',
  (config) => {
    const chirp = useSecurityChirp(config, { env: { JWT_LEEWAY: '30' } });
    let claims: Record<string, unknown>;
    let head: Record<string, unknown>;

    beforeAll(async () => {
      const decoded = decodeJws((await chirp.session('alice')).accessToken);
      claims = decoded.payload;
      head = decoded.header;
    });

    it('S20: expired within the leeway → 200; beyond it → 401', async () => {
      const t = Math.floor(chirp.clock.now() / 1000);
      const signed = (exp: number) =>
        hs256(head, { ...claims, iat: exp - 300, exp }, chirp.jwtSecret);
      expect((await chirp.me(signed(t - 15))).status).toBe(200);
      await chirp.probe(
        () => chirp.me(signed(t - 31)),
        (res) => expectGeneric401(res, true),
      );
    });

    it('S20: the leeway is capped at 60 s (JWT_LEEWAY=61 refuses to start)', () => {
      expect(() =>
        loadChirpConfig({
          TOKEN_STRATEGY: 'value',
          DATABASE_URL: 'sqlite::memory:',
          JWT_LEEWAY: '61',
        }),
      ).toThrow(/^JWT_LEEWAY/);
    });

    itKeepsSecretsOutOfTheLog(chirp);
  },
);
