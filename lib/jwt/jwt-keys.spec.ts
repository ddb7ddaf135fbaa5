import { describe, expect, it } from '@jest/globals';
import { createSecretKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import { resolveJwtKeys, toJwks } from './jwt-keys.js';
import type { JwtKeyOptions } from './jwt-options.interface.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** Runs `fn` and returns the SessionConfigurationError it throws (fails the test otherwise). */
function configError(fn: () => unknown): SessionConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigurationError);
    return error as SessionConfigurationError;
  }
  throw new Error('expected a SessionConfigurationError, but nothing was thrown');
}

const hs = (secret: unknown, algorithm = 'HS256'): JwtKeyOptions[] => [
  { kid: 'k1', algorithm, secret } as JwtKeyOptions,
];

describe('resolveJwtKeys: HMAC secrets', () => {
  it('imports a secret once, as a secret KeyObject that both signs and verifies', () => {
    const secret = randomBytes(32);
    const [key] = resolveJwtKeys(hs(secret));
    expect(key.kid).toBe('k1');
    expect(key.algorithm).toBe('HS256');
    expect(key.verifyKey).toBeInstanceOf(KeyObject);
    expect(key.verifyKey.type).toBe('secret');
    expect(key.signKey).toBe(key.verifyKey);
    expect(key.verifyKey.export().equals(secret)).toBe(true);
  });

  it('keeps its own copy: wiping the caller’s buffer afterwards changes nothing', () => {
    const secret = randomBytes(48);
    const copy = Buffer.from(secret);
    const [key] = resolveJwtKeys(hs(secret));
    secret.fill(0);
    expect(key.verifyKey.export().equals(copy)).toBe(true);
  });

  it('takes a string secret as its UTF-8 bytes', () => {
    const text = randomBytes(32).toString('base64url');
    const [key] = resolveJwtKeys(hs(text));
    expect(key.verifyKey.export().toString('utf8')).toBe(text);
  });

  it.each([
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ])('requires at least the hash size for %s (%i bytes)', (algorithm, bytes) => {
    expect(resolveJwtKeys(hs(randomBytes(bytes), algorithm))[0].verifyKey.symmetricKeySize).toBe(
      bytes,
    );
    const error = configError(() => resolveJwtKeys(hs(randomBytes(bytes - 1), algorithm)));
    expect(error.option).toBe('jwt.keys[0].secret');
    expect(error.message).toMatch(`is ${bytes - 1} bytes, too short for ${algorithm}`);
  });

  it('refuses a missing or empty secret', () => {
    for (const secret of [undefined, null, '', Buffer.alloc(0)]) {
      const error = configError(() => resolveJwtKeys(hs(secret)));
      expect(error.option).toBe('jwt.keys[0].secret');
    }
  });

  it('refuses well-known secrets in any case and padding', () => {
    for (const secret of [
      'secret',
      'Secret',
      'your-256-bit-secret',
      `  your-256-bit-secret${' '.repeat(20)}`,
      'CHANGEME'.padEnd(40, ' '),
      'keyboard cat',
      Buffer.from('jwt_secret'),
    ]) {
      const error = configError(() => resolveJwtKeys(hs(secret)));
      expect(error.option).toBe('jwt.keys[0].secret');
    }
    expect(configError(() => resolveJwtKeys(hs(`secret${' '.repeat(40)}`))).message).toMatch(
      'well-known',
    );
  });

  it('refuses long secrets with almost no distinct bytes', () => {
    for (const secret of [
      'a'.repeat(64),
      Buffer.alloc(64),
      Buffer.alloc(64, 0xff),
      'ab'.repeat(32),
      '01234567'.slice(0, 7).repeat(10),
    ]) {
      expect(configError(() => resolveJwtKeys(hs(secret))).message).toMatch('distinct bytes');
    }
    expect(resolveJwtKeys(hs('01234567'.repeat(5)))[0].verifyKey.symmetricKeySize).toBe(40);
  });

  it('refuses a PEM key (public or private, string or bytes, indented) as an HMAC secret', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const secret of [
      pem,
      ` \n${pem}`,
      `\t${pem}`,
      Buffer.from(pem),
      rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ]) {
      expect(configError(() => resolveJwtKeys(hs(secret))).message).toMatch('PEM');
    }
  });

  it('refuses asymmetric KeyObjects and short secret KeyObjects as HMAC secrets', () => {
    for (const secret of [rsa.publicKey, rsa.privateKey, ec.privateKey]) {
      expect(configError(() => resolveJwtKeys(hs(secret))).message).toMatch('must be a secret key');
    }
    expect(configError(() => resolveJwtKeys(hs(createSecretKey(randomBytes(31))))).message).toMatch(
      'too short',
    );
    expect(resolveJwtKeys(hs(createSecretKey(randomBytes(32))))[0].verifyKey.type).toBe('secret');
  });

  it('applies the same weak-secret checks to a secret KeyObject as to its bytes', () => {
    for (const bytes of [Buffer.alloc(32), Buffer.from('a'.repeat(64))]) {
      expect(() => resolveJwtKeys(hs(bytes))).toThrow(SessionConfigurationError);
      expect(() => resolveJwtKeys(hs(createSecretKey(bytes)))).toThrow(SessionConfigurationError);
    }
  });
});

describe('resolveJwtKeys: RS256 and ES256 keys', () => {
  it('imports a private key (PEM or KeyObject) and derives its public key', () => {
    for (const privateKey of [
      rsa.privateKey,
      rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }),
    ]) {
      const [key] = resolveJwtKeys([{ kid: 'rs', algorithm: 'RS256', privateKey }]);
      expect(key.signKey?.type).toBe('private');
      expect(key.verifyKey.type).toBe('public');
      expect(key.verifyKey.equals(rsa.publicKey)).toBe(true);
    }
    const [es] = resolveJwtKeys([{ kid: 'es', algorithm: 'ES256', privateKey: ec.privateKey }]);
    expect(es.verifyKey.equals(ec.publicKey)).toBe(true);
  });

  it('builds a verify-only key from a public key alone', () => {
    const [key] = resolveJwtKeys([
      {
        kid: 'rs',
        algorithm: 'RS256',
        publicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }),
      },
    ]);
    expect(key.signKey).toBeNull();
    expect(key.verifyKey.equals(rsa.publicKey)).toBe(true);
  });

  it('refuses RSA keys under 2048 bits for RS256', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    for (const options of [{ privateKey: small.privateKey }, { publicKey: small.publicKey }]) {
      const error = configError(() =>
        resolveJwtKeys([{ kid: 'rs', algorithm: 'RS256', ...options }]),
      );
      expect(error.option).toBe('jwt.keys[0]');
      expect(error.message).toMatch('at least 2048 bits');
    }
  });

  it('refuses DSA, EC, RSA-PSS and Ed25519 keys for RS256', () => {
    const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const ed = generateKeyPairSync('ed25519');
    for (const pair of [dsa, ec, pss, ed]) {
      expect(() =>
        resolveJwtKeys([{ kid: 'rs', algorithm: 'RS256', privateKey: pair.privateKey }]),
      ).toThrow(SessionConfigurationError);
    }
  });

  it('refuses anything but a P-256 key for ES256', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    for (const privateKey of [p384.privateKey, k1.privateKey, rsa.privateKey]) {
      expect(
        configError(() => resolveJwtKeys([{ kid: 'es', algorithm: 'ES256', privateKey }])).message,
      ).toMatch('P-256');
    }
  });

  it.each([
    ['ES256', ec, otherEc],
    ['RS256', rsa, otherRsa],
  ] as const)('refuses a %s publicKey that does not match its privateKey', (algorithm, a, b) => {
    const error = configError(() =>
      resolveJwtKeys([{ kid: 'k', algorithm, privateKey: a.privateKey, publicKey: b.publicKey }]),
    );
    expect(error.option).toBe('jwt.keys[0]');
    expect(error.message).toMatch('does not match');
    expect(
      resolveJwtKeys([{ kid: 'k', algorithm, privateKey: a.privateKey, publicKey: a.publicKey }])[0]
        .signKey,
    ).not.toBeNull();
  });

  it('refuses a secret for an asymmetric algorithm, and keys of the wrong type', () => {
    for (const key of [
      { kid: 'k', algorithm: 'RS256', secret: randomBytes(32) },
      { kid: 'k', algorithm: 'RS256', privateKey: rsa.publicKey },
      { kid: 'k', algorithm: 'RS256', publicKey: rsa.privateKey },
      { kid: 'k', algorithm: 'ES256' },
      { kid: 'k', algorithm: 'RS256', privateKey: 'not a pem' },
      { kid: 'k', algorithm: 'RS256', publicKey: randomBytes(32) },
    ] as JwtKeyOptions[]) {
      expect(() => resolveJwtKeys([key])).toThrow(SessionConfigurationError);
    }
  });
});

describe('resolveJwtKeys: ids and algorithms', () => {
  it('requires at least one key', () => {
    expect(configError(() => resolveJwtKeys([])).option).toBe('jwt');
  });

  it('requires kids of 1–64 characters of [A-Za-z0-9._-], each used once', () => {
    const secret = randomBytes(32);
    expect(resolveJwtKeys([{ kid: 'a'.repeat(64), algorithm: 'HS256', secret }])).toHaveLength(1);
    for (const kid of ['', 'a'.repeat(65), 'a b', 'a/b', '../k', "k'--", 'é', 1, null]) {
      const error = configError(() =>
        resolveJwtKeys([{ kid, algorithm: 'HS256', secret } as JwtKeyOptions]),
      );
      expect(error.option).toBe('jwt.keys[0].kid');
    }
    const twice = configError(() =>
      resolveJwtKeys([
        { kid: 'k', algorithm: 'HS256', secret },
        { kid: 'k', algorithm: 'HS256', secret: randomBytes(32) },
      ]),
    );
    expect(twice.option).toBe('jwt.keys[1].kid');
  });

  it('accepts only HS256, HS384, HS512, RS256 and ES256, spelled exactly', () => {
    for (const algorithm of ['none', 'None', 'hs256', 'RS512', 'PS256', 'EdDSA', '', undefined]) {
      const error = configError(() =>
        resolveJwtKeys([{ kid: 'k', algorithm, secret: randomBytes(64) } as JwtKeyOptions]),
      );
      expect(error.option).toBe('jwt.keys[0].algorithm');
    }
  });
});

describe('toJwks', () => {
  it('publishes public keys with kid, alg and use, never HMAC secrets or private parts', () => {
    const keys = resolveJwtKeys([
      { kid: 'hs', algorithm: 'HS256', secret: randomBytes(32) },
      { kid: 'rs', algorithm: 'RS256', privateKey: rsa.privateKey },
      { kid: 'es', algorithm: 'ES256', privateKey: ec.privateKey },
    ]);
    const jwks = toJwks(keys);
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.use, k.kty])).toEqual([
      ['rs', 'RS256', 'sig', 'RSA'],
      ['es', 'ES256', 'sig', 'EC'],
    ]);
    const text = JSON.stringify(jwks);
    expect(text).not.toMatch(/"(d|p|q|dp|dq|qi|k)":/);
  });
});
