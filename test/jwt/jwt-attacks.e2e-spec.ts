import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type IssuedTokens, type JwtStrategyOptions } from 'nest-sessions';
import {
  attackerKeys,
  b64u,
  decodeJws,
  es256,
  flipEcdsaS,
  hmacJws,
  hs256,
  malleableVariants,
  randomSecret,
  rs256,
  startCountingListener,
  type CountingListener,
} from '../support/jwt/forge.js';
import {
  createJwtApp,
  expectRejected,
  INVALID_TOKEN_CHALLENGE,
  UNAUTHORIZED_BODY,
  type JwtTestApp,
} from '../support/jwt/jwt-app.js';

// Checklist section C (S14–S27) over HTTP, against the three kinds of key the library
// supports. Tokens "signed with the real key" simulate an issuance bug or a key leak: they
// test the verifier's policy, not whether an attacker could make them.

const START = Date.UTC(2026, 0, 1);
const ISSUER = 'https://api.example';
const AUDIENCE = 'api';
const TTL = 5 * 60_000;
const ALICE = ['post:create', 'post:read'];
const BOB = ['post:read'];

/** The checklist's payload `{"sub":"1","sid":"s1","iat":1700000000,"exp":4102444800}`. */
const CHECKLIST_PAYLOAD =
  'eyJzdWIiOiIxIiwic2lkIjoiczEiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDgwMH0';

interface AttackConfig {
  readonly alg: 'HS256' | 'RS256' | 'ES256';
  readonly kid: string;
  readonly jwt: JwtStrategyOptions;
  /** Signs with the app's real key. */
  readonly sign: (header: object, payload: object | string) => string;
  /** The verification key an attacker can see (asymmetric keys only). */
  readonly publicKey: KeyObject | null;
}

const common = {
  issuer: ISSUER,
  audience: AUDIENCE,
  accessTokenTtl: TTL,
  revocationPollInterval: 0,
} as const;
const hsSecret = randomSecret(48);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const CONFIGS: readonly AttackConfig[] = [
  {
    alg: 'HS256',
    kid: 'default',
    jwt: { ...common, secret: hsSecret },
    sign: (header, payload) => hs256(header, payload, hsSecret),
    publicKey: null,
  },
  {
    alg: 'RS256',
    kid: 'rs-2026',
    jwt: { ...common, keys: [{ kid: 'rs-2026', algorithm: 'RS256', privateKey: rsa.privateKey }] },
    sign: (header, payload) => rs256(header, payload, rsa.privateKey),
    publicKey: rsa.publicKey,
  },
  {
    alg: 'ES256',
    kid: 'es-2026',
    jwt: { ...common, keys: [{ kid: 'es-2026', algorithm: 'ES256', privateKey: ec.privateKey }] },
    sign: (header, payload) => es256(header, payload, ec.privateKey),
    publicKey: ec.publicKey,
  },
];

/** A self-signed certificate for the attacker's RSA key (for `x5c`), made by the openssl CLI. */
function selfSignedCertificate(privateKey: KeyObject): string {
  const dir = mkdtempSync(join(tmpdir(), 'x5c-'));
  try {
    const keyFile = join(dir, 'attacker.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const pem = execFileSync('openssl', [
      'req',
      '-x509',
      '-key',
      keyFile,
      '-subj',
      '/CN=attacker.example',
      '-days',
      '1',
    ]).toString();
    return pem.replace(/-----[A-Z ]+-----|\s/g, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(CONFIGS)('JWT attacks on a $alg verifier (checklist C)', (config) => {
  const clock = new ManualClock(START);
  let t: JwtTestApp;
  let alice: IssuedTokens;
  let bob: IssuedTokens;
  /** Alice's claims, to re-sign variants of with the real key. */
  let claims: Record<string, unknown>;
  const header = { alg: config.alg, typ: 'at+jwt', kid: config.kid };

  const nowSeconds = () => Math.floor(clock.now() / 1000);
  const control = async () => (await t.login('carol', ['post:read'])).accessToken;
  const reject = (token: string) => expectRejected(t, token, { users: ['alice', 'bob'], control });
  const rejectAll = async (tokens: readonly string[]) => {
    for (const token of tokens) await reject(token);
  };
  const get = (path: string, token: string) =>
    t.http().get(path).set('Authorization', `Bearer ${token}`);
  /** Alice's claims with `changes` applied (`undefined` deletes a claim), signed with the real key. */
  const realWith = (changes: Record<string, unknown>, head: object = header) => {
    const payload: Record<string, unknown> = { ...claims, ...changes };
    for (const key of Object.keys(changes)) if (changes[key] === undefined) delete payload[key];
    return config.sign(head, payload);
  };
  const segments = (token: string) => token.split('.');

  beforeAll(async () => {
    t = await createJwtApp({ clock, jwt: config.jwt });
    alice = await t.login('alice', ALICE);
    bob = await t.login('bob', BOB);
    claims = decodeJws(alice.accessToken).payload;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('accepts its own tokens and the same claims re-signed by the harness (positive control)', async () => {
    for (const token of [alice.accessToken, realWith({})]) {
      const res = await get('/me', token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: 'alice', sessionId: alice.sessionId, permissions: ALICE });
    }
    expect(
      (
        await t
          .http()
          .post('/posts')
          .set('Authorization', `Bearer ${realWith({})}`)
      ).status,
    ).toBe(201);
  });

  it('S14: refuses alg "none" in every casing, with an empty, missing or borrowed signature', async () => {
    const literal: Record<string, string> = {
      none: 'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0',
      None: 'eyJhbGciOiJOb25lIiwidHlwIjoiSldUIn0',
      NONE: 'eyJhbGciOiJOT05FIiwidHlwIjoiSldUIn0',
      nOnE: 'eyJhbGciOiJuT25FIiwidHlwIjoiSldUIn0',
    };
    const [, payloadA, signatureA] = segments(alice.accessToken);
    for (const alg of Object.keys(literal)) {
      expect(b64u({ alg, typ: 'JWT' })).toBe(literal[alg]);
      const ours = b64u({ alg, typ: 'at+jwt', kid: config.kid });
      await rejectAll([
        `${literal[alg]}.${CHECKLIST_PAYLOAD}.`,
        `${literal[alg]}.${CHECKLIST_PAYLOAD}`,
        `${literal[alg]}.${CHECKLIST_PAYLOAD}.${signatureA}`,
        `${ours}.${payloadA}.`,
        `${ours}.${payloadA}`,
        `${ours}.${payloadA}.${signatureA}`,
      ]);
    }
  });

  it('S15: refuses tampered claims, stripped, replaced and swapped signatures', async () => {
    const [headerA, payloadA, signatureA] = segments(alice.accessToken);
    const [, , signatureB] = segments(bob.accessToken);
    const asBob = b64u({ ...claims, sub: 'bob' });
    const asAdmin = b64u({ ...claims, permissions: [...ALICE, 'user:admin'] });
    const respaced = b64u(JSON.stringify(claims, null, 1));
    const i = Math.floor(payloadA.length / 2);
    const c = payloadA[i];
    const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
    const caseFlipped =
      flipped === c
        ? `${payloadA.slice(0, i)}${c === 'A' ? 'B' : 'A'}${payloadA.slice(i + 1)}`
        : `${payloadA.slice(0, i)}${flipped}${payloadA.slice(i + 1)}`;
    await rejectAll([
      `${headerA}.${asBob}.${signatureA}`,
      `${headerA}.${asAdmin}.${signatureA}`,
      `${headerA}.${respaced}.${signatureA}`,
      `${headerA}.${caseFlipped}.${signatureA}`,
      `${headerA}.${payloadA}.AAAA`,
      `${headerA}.${payloadA}.${signatureB}`,
      `${headerA}.${payloadA}.`,
      `${headerA}.${payloadA}`,
      alice.accessToken.slice(0, -1),
      `${alice.accessToken}x`,
    ]);
    const admin = await get('/admin', `${headerA}.${asAdmin}.${signatureA}`);
    expect(admin.status).toBe(401);
  });

  it('S16: pins one algorithm per key: no HS/RS/ES confusion, the public key is never an HMAC secret', async () => {
    const { rsa: attackerRsa, ec: attackerEc } = attackerKeys();
    const forged: string[] = [
      rs256({ ...header, alg: 'RS256' }, claims, attackerRsa.privateKey),
      es256({ ...header, alg: 'ES256' }, claims, attackerEc.privateKey),
      rs256({ alg: 'RS256', typ: 'JWT' }, claims, attackerRsa.privateKey),
    ];
    if (config.publicKey === null) {
      // HS256 verifier: other HMAC sizes signed with the real secret are still refused.
      forged.push(
        hmacJws({ ...header, alg: 'HS512' }, claims, hsSecret, 512),
        hmacJws({ ...header, alg: 'HS384' }, claims, hsSecret, 384),
      );
    } else {
      const pem = config.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const secrets: (string | Buffer)[] = [
        pem,
        pem.trimEnd(),
        `${pem}\n`,
        ` \n${pem}`,
        `\t${pem}`,
        config.publicKey.export({ type: 'spki', format: 'der' }),
        JSON.stringify(config.publicKey.export({ format: 'jwk' })),
        JSON.stringify(t.tokens.jwks().keys[0]),
      ];
      if (config.alg === 'RS256') {
        secrets.push(config.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString());
      }
      for (const secret of secrets) {
        forged.push(
          hs256({ ...header, alg: 'HS256' }, claims, secret),
          hs256({ alg: 'HS256', typ: 'JWT' }, claims, secret),
        );
      }
    }
    await rejectAll(forged);
  });

  it('S17: refuses tokens signed with weak, default or empty HMAC secrets', async () => {
    const checklistTokens = {
      secret: 'V2arxAgjTIdyNQu-J5djnVUvnHhUX9QCNagcnlJM0CU',
      'your-256-bit-secret': '7BdUhTmQv4zAlnjquZ5zW3PIZwqJ2oKFbDn_lgb_sng',
      '': 'MOAtiKYs82qNgMvTZbMshO-SFoYHb3SX5AL2t3ugixg',
    };
    const hp = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${CHECKLIST_PAYLOAD}`;
    const forged: string[] = [];
    for (const [secret, signature] of Object.entries(checklistTokens)) {
      // The harness reproduces the checklist's tokens exactly (so the ones below are right too).
      expect(
        hs256(
          { alg: 'HS256', typ: 'JWT' },
          JSON.parse(Buffer.from(CHECKLIST_PAYLOAD, 'base64url').toString()) as object,
          secret,
        ),
      ).toBe(`${hp}.${signature}`);
      forged.push(`${hp}.${signature}`);
    }
    for (const secret of [
      'secret',
      'your-256-bit-secret',
      '',
      'changeme',
      'jwt_secret',
      'nest-sessions',
      'chirp',
    ]) {
      forged.push(hs256({ ...header, alg: 'HS256' }, claims, secret));
    }
    await rejectAll(forged);
  });

  describe('S18: keys named in the header', () => {
    let listener: CountingListener;

    beforeAll(async () => {
      listener = await startCountingListener();
    });

    afterAll(async () => {
      await listener?.close();
    });

    it('refuses jwk, jku, x5u and x5c headers and never fetches the URLs they name', async () => {
      const { rsa: attackerRsa, ec: attackerEc } = attackerKeys();
      const attacker =
        config.alg === 'ES256'
          ? { alg: 'ES256', key: attackerEc, sign: es256 }
          : { alg: 'RS256', key: attackerRsa, sign: rs256 };
      const own = { alg: attacker.alg, typ: 'at+jwt', kid: config.kid };
      const jwk = attacker.key.publicKey.export({ format: 'jwk' });
      const x5c = [selfSignedCertificate(attackerRsa.privateKey)];
      // A real certificate of the attacker's key, so a verifier honouring x5c would accept it.
      expect(
        new X509Certificate(Buffer.from(x5c[0], 'base64')).publicKey.equals(attackerRsa.publicKey),
      ).toBe(true);
      expect(
        b64u({
          alg: 'RS256',
          typ: 'JWT',
          jku: 'https://attacker.example/jwks.json',
          kid: 'k1',
        }),
      ).toBe(
        'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImprdSI6Imh0dHBzOi8vYXR0YWNrZXIuZXhhbXBsZS9qd2tzLmpzb24iLCJraWQiOiJrMSJ9',
      );
      const attackerSecret = randomSecret(32);
      await rejectAll([
        attacker.sign({ ...own, jwk }, claims, attacker.key.privateKey),
        attacker.sign({ alg: attacker.alg, typ: 'JWT', jwk }, claims, attacker.key.privateKey),
        attacker.sign(
          { ...own, jku: `${listener.url}/jwks.json` },
          claims,
          attacker.key.privateKey,
        ),
        attacker.sign(
          { alg: attacker.alg, typ: 'JWT', jku: `${listener.url}/jwks.json`, kid: 'k1' },
          claims,
          attacker.key.privateKey,
        ),
        attacker.sign({ ...own, x5u: `${listener.url}/cert.pem` }, claims, attacker.key.privateKey),
        rs256({ ...own, alg: 'RS256', x5c }, claims, attackerRsa.privateKey),
        hs256(
          { ...header, alg: 'HS256', jwk: { kty: 'oct', k: attackerSecret.toString('base64url') } },
          claims,
          attackerSecret,
        ),
        // The same headers signed with the real key: the header parameter alone is refused.
        realWith({}, { ...header, jku: `${listener.url}/jwks.json` }),
        realWith({}, { ...header, x5u: `${listener.url}/cert.pem` }),
      ]);
      expect(listener.requests).toHaveLength(0);
    });
  });

  it('S19: selects keys by exact kid only; injected kids select nothing', async () => {
    const traversal = {
      alg: 'HS256',
      typ: 'JWT',
      kid: '../../../../../../dev/null',
    };
    const sql = { alg: 'HS256', typ: 'JWT', kid: "x' UNION SELECT 'AAAA'-- -" };
    expect(b64u(traversal)).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ii4uLy4uLy4uLy4uLy4uLy4uL2Rldi9udWxsIn0',
    );
    expect(b64u(sql)).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IngnIFVOSU9OIFNFTEVDVCAnQUFBQSctLSAtIn0',
    );
    const forged = [
      hs256(traversal, claims, ''),
      hs256({ ...traversal, typ: 'at+jwt' }, claims, ''),
      hs256(sql, claims, 'AAAA'),
      hs256({ ...sql, typ: 'at+jwt' }, claims, 'AAAA'),
    ];
    // Signed with the real key: only the kid is wrong.
    for (const kid of [
      config.kid.toUpperCase(),
      `${config.kid} `,
      ` ${config.kid}`,
      `${config.kid}\u0000`,
      `${config.kid}/../${config.kid}`,
      '',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'x'.repeat(200),
      'x'.repeat(10_000),
      { $ne: null },
      [config.kid],
      1,
      null,
      true,
    ]) {
      forged.push(realWith({}, { ...header, kid }));
    }
    forged.push(realWith({}, { alg: config.alg, typ: 'at+jwt' }));
    await rejectAll(forged);
  });

  it('S20: enforces exp strictly (boundary, missing, non-numeric, absurd, too long a lifetime)', async () => {
    const now = nowSeconds();
    const valid = realWith({ iat: now, exp: now + 60 });
    expect((await get('/me', valid)).status).toBe(200);
    await rejectAll([
      realWith({ iat: now - 60, exp: now - 1 }),
      realWith({ iat: now - 60, exp: now }),
      realWith({ exp: undefined }),
      realWith({ exp: String(now + 60) }),
      realWith({ exp: '4102444800' }),
      realWith({ exp: 1e308 }),
      realWith({ exp: -1 }),
      realWith({ exp: now + 60.5 }),
      realWith({ exp: null }),
      realWith({ iat: now, exp: now + 10 * 365 * 86_400 }),
      realWith({ iat: now, exp: now + TTL / 1000 + 1 }),
    ]);
  });

  it('S21: refuses future or non-numeric iat, and any nbf', async () => {
    const now = nowSeconds();
    await rejectAll([
      realWith({ nbf: now + 3600 }),
      realWith({ nbf: '0' }),
      realWith({ nbf: now - 60 }),
      realWith({ iat: now + 3600, exp: now + 3660 }),
      realWith({ iat: now + 1, exp: now + 61 }),
      realWith({ iat: String(now) }),
      realWith({ iat: undefined }),
    ]);
  });

  it('S22: requires the exact iss and aud, and strings for sub, sid and jti', async () => {
    const evilIss = ['https://evil.example', ISSUER];
    await rejectAll([
      realWith({ aud: 'other-service' }),
      realWith({ aud: undefined }),
      realWith({ aud: [AUDIENCE] }),
      realWith({ aud: [AUDIENCE, 'other-service'] }),
      realWith({ iss: 'https://evil.example' }),
      realWith({ iss: undefined }),
      realWith({ iss: evilIss }),
      realWith({ iss: `${ISSUER}/` }),
      realWith({ sub: { $ne: null } }),
      realWith({ sub: 1 }),
      realWith({ sub: '' }),
      realWith({ sub: ['alice'] }),
      realWith({ sid: 1 }),
      realWith({ sid: 's1' }),
      realWith({ sid: undefined }),
      realWith({ jti: 1 }),
      realWith({ jti: undefined }),
      realWith({ ep: undefined }),
      realWith({ ep: -1 }),
      realWith({ ep: '0' }),
      realWith({ permissions: 'user:admin' }),
      realWith({ permissions: [1] }),
      realWith({ permissions: undefined }),
      realWith({ email: 'alice@example.com' }),
      realWith({ admin: true }),
      // The checklist's own payloads, under our header.
      config.sign(header, { sub: '1', iss: evilIss, aud: 'api', exp: 4102444800 }),
      config.sign(header, { sub: { $ne: null }, exp: 4102444800 }),
    ]);
  });

  it('S22: a duplicated sub resolves to one value for authentication and the session check', async () => {
    // Raw JSON text: alice's claims with a second "sub" appended.
    const twice = JSON.stringify(claims).replace(/}$/, ',"sub":"bob"}');
    expect(twice.match(/"sub":/g)).toHaveLength(2);
    const token = config.sign(header, twice);
    // JSON.parse keeps the last value; whatever it is, the principal must not mix alice and bob.
    const res = await get('/me', token);
    if (res.status === 200) {
      expect(res.body.user).toBe('bob');
    } else {
      expect(res.status).toBe(401);
    }
    // Alice's session does not belong to bob: a fresh route sees through it.
    expect((await get('/fresh/me', token)).status).toBe(401);
    expect((await get('/fresh/me', alice.accessToken)).status).toBe(200);
  });

  it('S23: refuses other token types, and access tokens where refresh tokens go', async () => {
    await rejectAll([
      realWith({}, { ...header, typ: 'refresh+jwt' }),
      realWith({}, { ...header, typ: 'JWT' }),
      realWith({}, { ...header, typ: 'jwt' }),
      realWith({}, { ...header, typ: 'AT+JWT' }),
      realWith({}, { ...header, typ: 'application/at+jwt' }),
      realWith({}, { alg: config.alg, kid: config.kid }),
      hs256(
        { alg: 'HS256', typ: 'refresh+jwt' },
        claims,
        config.publicKey === null ? hsSecret : 'x',
      ),
      alice.refreshToken,
    ]);
    expect(b64u({ alg: 'HS256', typ: 'refresh+jwt' })).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6InJlZnJlc2grand0In0',
    );
    const before = await t.store.listByUser('alice');
    const refresh = await t.http().post('/auth/refresh').send({ refreshToken: alice.accessToken });
    expect(refresh.status).toBe(401);
    expect(await t.store.listByUser('alice')).toEqual(before);
  });

  it('S24: refuses JWE shapes, unknown critical headers, zip and b64', async () => {
    const [, payloadA] = segments(alice.accessToken);
    const pbes2 = b64u({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 2147483647 });
    const crit = {
      alg: 'HS256',
      typ: 'JWT',
      crit: ['x-unknown'],
      'x-unknown': 1,
    };
    expect(b64u(crit)).toBe(
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImNyaXQiOlsieC11bmtub3duIl0sIngtdW5rbm93biI6MX0',
    );
    await rejectAll([
      'a.b.c.d.e',
      `${pbes2}.AAAA.AAAA.AAAA.AAAA`,
      `${b64u({ alg: 'dir', enc: 'A256GCM', zip: 'DEF' })}..AAAA.AAAA.AAAA`,
      realWith({}, { ...header, crit: ['x-unknown'], 'x-unknown': 1 }),
      realWith({}, { ...header, crit: ['exp'] }),
      realWith({}, { ...header, zip: 'DEF' }),
      realWith({}, { ...header, enc: 'A256GCM' }),
      realWith({}, { ...header, cty: 'JWT' }),
      `${b64u({ ...header, b64: false, crit: ['b64'] })}.${payloadA}.${segments(alice.accessToken)[2]}`,
      config.sign({ ...header, b64: false, crit: ['b64'] }, claims),
    ]);
  });

  it('S24: refuses tokens longer than maxTokenLength before decoding them', async () => {
    // 250 well-formed permissions (the claim check allows 256): only the length is wrong.
    const permissions = Array.from({ length: 250 }, (_, i) => `post:permission-${i}`);
    const long = realWith({ permissions });
    expect(long.length).toBeGreaterThan(4096);
    expect(long.length).toBeLessThan(8192);
    await reject(long);
  });

  it('S25: a revoked token stays revoked in every encoding of its signature', async () => {
    const victim = await t.login('alice', ALICE);
    const variants = malleableVariants(victim.accessToken);
    if (config.alg === 'ES256') {
      const flippedS = flipEcdsaS(victim.accessToken);
      variants.push(flippedS, ...malleableVariants(flippedS));
    }
    expect(variants.length).toBeGreaterThanOrEqual(config.alg === 'HS256' ? 3 : 15);
    if (config.alg !== 'HS256') {
      // Positive control: before logout, these really are the same signature.
      for (const variant of variants) expect((await get('/me', variant)).status).toBe(200);
    }
    const logout = await t
      .http()
      .post('/auth/logout')
      .set('Authorization', `Bearer ${victim.accessToken}`);
    expect(logout.status).toBe(204);
    await rejectAll([victim.accessToken, ...variants]);
  });

  it('S26: a user whose sessions were revoked (deleted, disabled) gets 401 at once', async () => {
    const dan = await t.login('dan', ALICE);
    expect((await get('/me', dan.accessToken)).status).toBe(200);
    await t.sessions.revokeAll('dan');
    await expectRejected(t, dan.accessToken, { users: ['alice', 'bob', 'dan'], control });
  });

  it('S26: a session row removed behind the library stops fresh routes at once, others at exp', async () => {
    const erin = await t.login('erin', ALICE);
    expect(await t.store.delete(erin.sessionId)).toBe(true);
    // Documented trade-off: plain routes do not read the store; the token lives out its TTL.
    expect((await get('/me', erin.accessToken)).status).toBe(200);
    const fresh = await get('/fresh/me', erin.accessToken);
    expect(fresh.status).toBe(401);
    expect(fresh.headers['www-authenticate']).toBe(INVALID_TOKEN_CHALLENGE);
    expect(fresh.body).toEqual(UNAUTHORIZED_BODY);
    clock.advance(TTL);
    await reject(erin.accessToken);
    alice = await t.login('alice', ALICE);
    bob = await t.login('bob', BOB);
    claims = decodeJws(alice.accessToken).payload;
  });

  it('S27: the token carries identifiers, validity claims and permissions only', () => {
    const decoded = decodeJws(alice.accessToken);
    expect(Object.keys(decoded.header).sort()).toEqual(['alg', 'kid', 'typ']);
    expect(decoded.header).toEqual(header);
    expect(Object.keys(decoded.payload).sort()).toEqual(
      ['aud', 'ep', 'exp', 'iat', 'iss', 'jti', 'permissions', 'sid', 'sub'].sort(),
    );
    expect(decoded.payload).toMatchObject({
      sub: 'alice',
      sid: alice.sessionId,
      iss: ISSUER,
      aud: AUDIENCE,
      permissions: ALICE,
    });
    expect(decoded.payload.exp).toBe((decoded.payload.iat as number) + TTL / 1000);
  });
});
