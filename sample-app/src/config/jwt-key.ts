import { createHash, createPrivateKey, createPublicKey, randomBytes, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ChirpConfigError } from './chirp-config.error.js';

/** The environment variables read here (a subset of `ChirpEnv`). */
type Env = Readonly<Record<string, string | undefined>>;

/** An HMAC secret (HS256): `JWT_SECRET`, or one generated at start-up. */
export interface ChirpJwtSecret {
  readonly kind: 'secret';
  /** Key id sent as `kid` (`JWT_KEY_ID`, default `'chirp-1'`). */
  readonly keyId: string;
  /** The secret. Never log it. */
  readonly secret: string;
  /**
   * `true` when `JWT_SECRET` was unset and the secret was generated at start-up
   * (outside production only): tokens do not survive a restart.
   */
  readonly generated: boolean;
}

/** A private key read from `JWT_PRIVATE_KEY_FILE`: RS256 or ES256, detected from the key. */
export interface ChirpJwtPrivateKey {
  readonly kind: 'private-key';
  /** Key id sent as `kid` and published in the JWKS (`JWT_KEY_ID`, default its RFC 7638 thumbprint). */
  readonly keyId: string;
  /** The algorithm the key's type implies. */
  readonly algorithm: 'RS256' | 'ES256';
  /** The imported private key. */
  readonly privateKey: KeyObject;
  /** Where it was read from. */
  readonly file: string;
}

/** How value tokens are signed. */
export type ChirpJwtKey = ChirpJwtSecret | ChirpJwtPrivateKey;

/** Shortest HMAC secret accepted, in characters (256 bits as hex or more). */
const MIN_JWT_SECRET_LENGTH = 32;

/** Bytes of a secret generated at start-up (as much as HS512 would want). */
const GENERATED_SECRET_BYTES = 48;

/** Shortest RSA modulus accepted for RS256, in bits. */
const MIN_RSA_BITS = 2048;

/** `kid` syntax the library accepts. */
const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const KEY_FILE = 'JWT_PRIVATE_KEY_FILE';

const GENERATE_HINT =
  'generate one with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwt-key.pem';

function keyId(env: Env, fallback: () => string): string {
  const raw = env.JWT_KEY_ID?.trim();
  if (raw === undefined || raw === '') return fallback();
  if (!KEY_ID_PATTERN.test(raw)) {
    throw new ChirpConfigError('JWT_KEY_ID', 'must be 1 to 64 characters of [A-Za-z0-9._-]');
  }
  return raw;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of the key's public part: a stable `kid`. */
function thumbprint(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function readPrivateKey(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ChirpConfigError(
      KEY_FILE,
      `cannot read ${JSON.stringify(file)} (${typeof code === 'string' ? code : 'unreadable'})`,
    );
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw new ChirpConfigError(
      KEY_FILE,
      `${JSON.stringify(file)} holds no unencrypted PEM private key; ${GENERATE_HINT}`,
    );
  }
}

function algorithmOf(key: KeyObject, file: string): 'RS256' | 'ES256' {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits >= MIN_RSA_BITS) return 'RS256';
    throw new ChirpConfigError(
      KEY_FILE,
      `${JSON.stringify(file)} is an RSA key of ${bits} bits; RS256 needs at least ${MIN_RSA_BITS}`,
    );
  }
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  const what =
    key.asymmetricKeyType === 'ec'
      ? `an EC key on curve ${details.namedCurve ?? 'unknown'}`
      : `a key of type ${key.asymmetricKeyType ?? 'unknown'}`;
  throw new ChirpConfigError(
    KEY_FILE,
    `${JSON.stringify(file)} is ${what}; use an RSA key of at least ${MIN_RSA_BITS} bits (RS256) or a P-256 EC key (ES256): ${GENERATE_HINT}`,
  );
}

/**
 * Reads how value tokens are signed from `JWT_SECRET`, `JWT_PRIVATE_KEY_FILE` and
 * `JWT_KEY_ID`. Both key variables are checked whatever the strategy; with value tokens
 * and neither set, a random secret is generated — except in production
 * (`NODE_ENV=production`), where that is an error.
 *
 * @returns the key, or `null` with reference tokens and no key configured.
 * @throws ChirpConfigError naming the variable at fault; never quoting a secret.
 * @example
 * loadJwtKey({ JWT_PRIVATE_KEY_FILE: '/run/secrets/jwt.pem' }, 'value')
 * // { kind: 'private-key', algorithm: 'ES256', keyId: '…thumbprint…', … }
 */
export function loadJwtKey(env: Env, strategy: 'reference' | 'value'): ChirpJwtKey | null {
  // JWT_SECRET is taken verbatim (spaces included) and never echoed in a message.
  const secret = env.JWT_SECRET === undefined || env.JWT_SECRET === '' ? null : env.JWT_SECRET;
  const file = env[KEY_FILE]?.trim() || null;
  if (secret !== null && file !== null) {
    throw new ChirpConfigError(
      KEY_FILE,
      'cannot be combined with JWT_SECRET; sign with one: an HMAC secret or a private key',
    );
  }
  if (secret !== null) {
    if (secret.length < MIN_JWT_SECRET_LENGTH) {
      throw new ChirpConfigError(
        'JWT_SECRET',
        `too short (${secret.length} characters); use at least ${MIN_JWT_SECRET_LENGTH} random characters, e.g. openssl rand -base64 48`,
      );
    }
    return { kind: 'secret', keyId: keyId(env, () => 'chirp-1'), secret, generated: false };
  }
  if (file !== null) {
    const privateKey = readPrivateKey(file);
    const algorithm = algorithmOf(privateKey, file);
    const kid = keyId(env, () => thumbprint(privateKey));
    return { kind: 'private-key', keyId: kid, algorithm, privateKey, file };
  }
  if (strategy === 'reference') return null;
  if (env.NODE_ENV?.trim() === 'production') {
    throw new ChirpConfigError(
      'JWT_SECRET',
      `required in production with TOKEN_STRATEGY=value (or set ${KEY_FILE}); generate one with openssl rand -base64 48`,
    );
  }
  return {
    kind: 'secret',
    keyId: keyId(env, () => 'chirp-1'),
    secret: randomBytes(GENERATED_SECRET_BYTES).toString('base64url'),
    generated: true,
  };
}
