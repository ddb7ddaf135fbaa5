import {
  resolveSessionOptions,
  SessionConfigurationError,
  type JwtStrategyOptions,
} from 'nest-sessions';
import { ChirpConfigError } from './chirp-config.error.js';
import type { ChirpJwtKey } from './jwt-key.js';

/** `iss` and `aud` of Chirp's access tokens: set when signing, required when verifying. */
export const CHIRP_TOKEN_ISSUER = 'chirp';

/** What the value-token options are built from (seconds, as in the environment). */
export interface ChirpJwtSettings {
  readonly key: ChirpJwtKey;
  /** `ACCESS_TOKEN_TTL`, seconds. */
  readonly accessTokenTtl: number;
  /** `JWT_LEEWAY`, seconds. */
  readonly leeway: number;
}

/**
 * The library's `jwt` options for Chirp (milliseconds, as the library wants them).
 *
 * @example
 * SessionModule.forRootAsync({ useFactory: () => ({ strategy: 'value', jwt: chirpJwtOptions(s) }) })
 */
export function chirpJwtOptions(settings: ChirpJwtSettings): JwtStrategyOptions {
  const { key } = settings;
  return {
    keys: [
      key.kind === 'secret'
        ? { kid: key.keyId, algorithm: 'HS256', secret: key.secret }
        : { kid: key.keyId, algorithm: key.algorithm, privateKey: key.privateKey },
    ],
    issuer: CHIRP_TOKEN_ISSUER,
    audience: CHIRP_TOKEN_ISSUER,
    accessTokenTtl: settings.accessTokenTtl * 1000,
    leeway: settings.leeway * 1000,
  };
}

/** The environment variable behind a library option, for error messages. */
function variableOf(option: string, key: ChirpJwtKey): string {
  if (option === 'jwt.accessTokenTtl' || option === 'idleTimeout') return 'ACCESS_TOKEN_TTL';
  if (option === 'jwt.leeway') return 'JWT_LEEWAY';
  if (option === 'absoluteTimeout') return 'SESSION_TTL';
  if (option.endsWith('.kid')) return 'JWT_KEY_ID';
  return key.kind === 'secret' ? 'JWT_SECRET' : 'JWT_PRIVATE_KEY_FILE';
}

/**
 * Checks the value-token options the way the library will at boot (its rules on secrets
 * and keys are the only ones), so that a key it refuses stops start-up with one line
 * naming Chirp's variable instead of a library error thrown from inside Nest.
 *
 * @throws ChirpConfigError naming `JWT_SECRET`, `JWT_PRIVATE_KEY_FILE`, … Never quotes a secret.
 */
export function checkChirpJwtOptions(settings: ChirpJwtSettings, sessionTtl: number): void {
  try {
    resolveSessionOptions({
      strategy: 'value',
      jwt: chirpJwtOptions(settings),
      idleTimeout: settings.accessTokenTtl * 1000,
      absoluteTimeout: sessionTtl * 1000,
    });
  } catch (error) {
    if (!(error instanceof SessionConfigurationError)) throw error;
    throw new ChirpConfigError(
      variableOf(error.option, settings.key),
      `${error.problem}; fix: ${error.fix}`,
    );
  }
}
