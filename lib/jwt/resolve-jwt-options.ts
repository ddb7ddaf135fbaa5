import { createSecretKey, type KeyObject } from 'node:crypto';
import { rejectUnknownOptions } from '../exceptions/option-checks.js';
import {
  describeValue,
  SessionConfigurationError,
} from '../exceptions/session-configuration.error.js';
import { resolveJwtKeys, type ResolvedJwtKey } from './jwt-keys.js';
import type { JwtStrategyOptions } from './jwt-options.interface.js';

/** {@link JwtStrategyOptions} after defaults and validation. Durations in ms. */
export interface ResolvedJwtOptions {
  /** Every verification key, by exact `kid`. */
  readonly keys: ReadonlyMap<string, ResolvedJwtKey>;
  /** The key that signs; `null` on verify-only instances. */
  readonly signingKey: ResolvedJwtKey | null;
  /** Required `iss`, if any. */
  readonly issuer: string | undefined;
  /** Required `aud`, if any. */
  readonly audience: string | undefined;
  /** Access token lifetime (ms). */
  readonly accessTokenTtl: number;
  /** Clock tolerance (ms). */
  readonly leeway: number;
  /** Longest token accepted (characters). */
  readonly maxTokenLength: number;
  /** Whether tokens carry permissions. */
  readonly embedPermissions: boolean;
  /** JWE content key (A256GCM), or `null` when tokens are only signed. */
  readonly encryptionKey: KeyObject | null;
  /** Revocation poll interval (ms); 0 = off. */
  readonly revocationPollInterval: number;
  /** Verified tokens remembered per instance; 0 = off. */
  readonly verifiedTokenCacheSize: number;
}

const KNOWN = new Set([
  'secret',
  'keys',
  'signingKeyId',
  'issuer',
  'audience',
  'accessTokenTtl',
  'leeway',
  'maxTokenLength',
  'embedPermissions',
  'encryption',
  'revocationPollInterval',
  'verifiedTokenCacheSize',
]);

function wholeMs(
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new SessionConfigurationError(
      option,
      `must be a whole number from ${min} to ${max} (got ${describeValue(value)})`,
      `pass e.g. ${option.split('.').pop()}: ${fallback}`,
    );
  }
  return value;
}

function optionalString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw new SessionConfigurationError(
      option,
      'must be a non-empty string',
      `set ${option} or remove it`,
    );
  }
  return value;
}

/**
 * Resolves and validates the `jwt` options once, at boot; imports every key once.
 * @throws SessionConfigurationError naming the option and the fix.
 */
export function resolveJwtOptions(
  options: JwtStrategyOptions | undefined,
  absoluteTimeout: number,
): ResolvedJwtOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SessionConfigurationError(
      'jwt',
      "is required with strategy: 'value'",
      'pass jwt: { secret: process.env.JWT_SECRET } (at least 32 random bytes) or jwt: { keys: [...] }',
    );
  }
  rejectUnknownOptions(options, KNOWN, 'jwt');
  if (options.secret !== undefined && options.keys !== undefined) {
    throw new SessionConfigurationError(
      'jwt.secret',
      'and jwt.keys are both set',
      'use one: secret for a single HS256 key, keys for several',
    );
  }
  const keyList =
    options.keys ??
    (options.secret !== undefined
      ? [{ kid: 'default', algorithm: 'HS256' as const, secret: options.secret }]
      : []);
  const resolved = resolveJwtKeys(keyList, options.keys === undefined);
  const keys = new Map(resolved.map((key) => [key.kid, key]));
  const signingKeyId = options.signingKeyId ?? resolved[0].kid;
  const signingKey = keys.get(signingKeyId);
  if (!signingKey) {
    throw new SessionConfigurationError(
      'jwt.signingKeyId',
      `names no configured key ("${signingKeyId}")`,
      'use the kid of one of jwt.keys',
    );
  }
  const accessTokenTtl = wholeMs(
    options.accessTokenTtl,
    'jwt.accessTokenTtl',
    15 * 60_000,
    1_000,
    absoluteTimeout,
  );
  const embedPermissions = options.embedPermissions ?? true;
  if (typeof embedPermissions !== 'boolean') {
    throw new SessionConfigurationError(
      'jwt.embedPermissions',
      'must be true or false',
      'pass embedPermissions: true',
    );
  }
  let encryptionKey: KeyObject | null = null;
  if (options.encryption !== undefined) {
    const raw = options.encryption?.key;
    const bytes =
      typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.isBuffer(raw) ? raw : null;
    if (!bytes || bytes.length !== 32) {
      throw new SessionConfigurationError(
        'jwt.encryption.key',
        'must be exactly 32 bytes (a Buffer, or a base64 string of 32 bytes) for A256GCM',
        'generate one with openssl rand -base64 32',
      );
    }
    encryptionKey = createSecretKey(bytes);
  }
  return {
    keys,
    signingKey: signingKey.signKey ? signingKey : null,
    issuer: optionalString(options.issuer, 'jwt.issuer'),
    audience: optionalString(options.audience, 'jwt.audience'),
    accessTokenTtl,
    leeway: wholeMs(options.leeway, 'jwt.leeway', 0, 0, 60_000),
    maxTokenLength: wholeMs(options.maxTokenLength, 'jwt.maxTokenLength', 4096, 256, 8192),
    embedPermissions,
    encryptionKey,
    revocationPollInterval: wholeMs(
      options.revocationPollInterval,
      'jwt.revocationPollInterval',
      1_000,
      0,
      3_600_000,
    ),
    verifiedTokenCacheSize: wholeMs(
      options.verifiedTokenCacheSize,
      'jwt.verifiedTokenCacheSize',
      10_000,
      0,
      1_000_000,
    ),
  };
}
