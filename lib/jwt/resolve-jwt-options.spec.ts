import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import type { JwtStrategyOptions } from './jwt-options.interface.js';
import { resolveJwtOptions } from './resolve-jwt-options.js';

const ABSOLUTE = 14 * 24 * 3_600_000;
const SECRET = randomBytes(32);

function configError(options: unknown, absolute = ABSOLUTE): SessionConfigurationError {
  try {
    resolveJwtOptions(options as JwtStrategyOptions, absolute);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigurationError);
    return error as SessionConfigurationError;
  }
  throw new Error('expected a SessionConfigurationError, but nothing was thrown');
}

describe('resolveJwtOptions', () => {
  it('applies the documented defaults to the secret shorthand (one HS256 key "default")', () => {
    const resolved = resolveJwtOptions({ secret: SECRET }, ABSOLUTE);
    expect([...resolved.keys.keys()]).toEqual(['default']);
    expect(resolved.signingKey).toBe(resolved.keys.get('default'));
    expect(resolved.signingKey?.algorithm).toBe('HS256');
    expect(resolved).toMatchObject({
      issuer: undefined,
      audience: undefined,
      accessTokenTtl: 900_000,
      leeway: 0,
      maxTokenLength: 4096,
      embedPermissions: true,
      encryptionKey: null,
      revocationPollInterval: 1_000,
    });
  });

  it('requires jwt options with a key', () => {
    expect(configError(undefined).option).toBe('jwt');
    expect(configError(null).option).toBe('jwt');
    expect(configError({}).option).toBe('jwt');
    expect(configError({ keys: [] }).option).toBe('jwt');
  });

  it('names jwt.secret when the shorthand secret is weak', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    for (const secret of [
      '',
      'short',
      'secret',
      'your-256-bit-secret',
      randomBytes(31),
      randomBytes(16).toString('hex').slice(0, 31),
      'x'.repeat(64),
      pem,
    ]) {
      const error = configError({ secret });
      expect(error.option).toBe('jwt.secret');
      expect(error.message).toContain('"jwt.secret"');
    }
  });

  it('refuses unknown options, and secret together with keys', () => {
    expect(configError({ secret: SECRET, algorithm: 'none' }).option).toBe('jwt.algorithm');
    expect(configError({ secret: SECRET, algorithms: ['HS256'] }).option).toBe('jwt.algorithms');
    expect(
      configError({ secret: SECRET, keys: [{ kid: 'k', algorithm: 'HS256', secret: SECRET }] })
        .option,
    ).toBe('jwt.secret');
  });

  it('signs with signingKeyId (default: the first key) and refuses an unknown one', () => {
    const keys = [
      { kid: 'new', algorithm: 'HS256' as const, secret: randomBytes(32) },
      { kid: 'old', algorithm: 'HS256' as const, secret: randomBytes(32) },
    ];
    expect(resolveJwtOptions({ keys }, ABSOLUTE).signingKey?.kid).toBe('new');
    expect(resolveJwtOptions({ keys, signingKeyId: 'old' }, ABSOLUTE).signingKey?.kid).toBe('old');
    expect(configError({ keys, signingKeyId: 'OLD' }).option).toBe('jwt.signingKeyId');
  });

  it('has no signing key on a verify-only instance (public key alone)', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const resolved = resolveJwtOptions(
      { keys: [{ kid: 'es', algorithm: 'ES256', publicKey }] },
      ABSOLUTE,
    );
    expect(resolved.signingKey).toBeNull();
    expect(resolved.keys.get('es')?.verifyKey.equals(publicKey)).toBe(true);
  });

  it('bounds leeway to 60 s, the TTL to the absolute timeout, and the token length', () => {
    expect(resolveJwtOptions({ secret: SECRET, leeway: 60_000 }, ABSOLUTE).leeway).toBe(60_000);
    expect(configError({ secret: SECRET, leeway: 60_001 }).option).toBe('jwt.leeway');
    expect(configError({ secret: SECRET, leeway: -1 }).option).toBe('jwt.leeway');
    expect(configError({ secret: SECRET, leeway: 1.5 }).option).toBe('jwt.leeway');
    expect(configError({ secret: SECRET, accessTokenTtl: 999 }).option).toBe('jwt.accessTokenTtl');
    expect(configError({ secret: SECRET, accessTokenTtl: 60_001 }, 60_000).option).toBe(
      'jwt.accessTokenTtl',
    );
    expect(configError({ secret: SECRET, accessTokenTtl: '900000' }).option).toBe(
      'jwt.accessTokenTtl',
    );
    expect(configError({ secret: SECRET, maxTokenLength: 255 }).option).toBe('jwt.maxTokenLength');
    expect(configError({ secret: SECRET, maxTokenLength: 8193 }).option).toBe('jwt.maxTokenLength');
    expect(configError({ secret: SECRET, revocationPollInterval: -1 }).option).toBe(
      'jwt.revocationPollInterval',
    );
    expect(
      resolveJwtOptions({ secret: SECRET, revocationPollInterval: 0 }, ABSOLUTE)
        .revocationPollInterval,
    ).toBe(0);
  });

  it('requires non-empty strings for issuer and audience', () => {
    for (const option of ['issuer', 'audience'] as const) {
      expect(configError({ secret: SECRET, [option]: '' }).option).toBe(`jwt.${option}`);
      expect(configError({ secret: SECRET, [option]: ['api'] }).option).toBe(`jwt.${option}`);
    }
    expect(configError({ secret: SECRET, embedPermissions: 'yes' }).option).toBe(
      'jwt.embedPermissions',
    );
  });

  it('requires an encryption key of exactly 32 bytes, imported once as a KeyObject', () => {
    const key = randomBytes(32);
    const resolved = resolveJwtOptions({ secret: SECRET, encryption: { key } }, ABSOLUTE);
    expect(resolved.encryptionKey?.type).toBe('secret');
    expect(resolved.encryptionKey?.export().equals(key)).toBe(true);
    expect(
      resolveJwtOptions({ secret: SECRET, encryption: { key: key.toString('base64') } }, ABSOLUTE)
        .encryptionKey?.export()
        .equals(key),
    ).toBe(true);
    for (const bad of [randomBytes(31), randomBytes(33), randomBytes(16).toString('base64'), '']) {
      expect(configError({ secret: SECRET, encryption: { key: bad } }).option).toBe(
        'jwt.encryption.key',
      );
    }
    expect(configError({ secret: SECRET, encryption: {} }).option).toBe('jwt.encryption.key');
  });
});
