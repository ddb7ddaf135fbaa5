import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
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

/** Bytes of a secret generated at start-up (as much as HS512 would want). */
const GENERATED_SECRET_BYTES = 48;

const KEY_FILE = 'JWT_PRIVATE_KEY_FILE';

const GENERATE_HINT =
  'generate one with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwt-key.pem';

/**
 * `JWT_KEY_ID`, or `fallback()` when unset. Its syntax is the library's rule on `kid`,
 * checked with the other key rules by `checkChirpJwtOptions`.
 */
function keyId(env: Env, fallback: () => string): string {
  const raw = env.JWT_KEY_ID?.trim();
  return raw === undefined || raw === '' ? fallback() : raw;
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) of the key's public part: a stable `kid`.
 * It is worked out before the library checks the key, and Node has no JWK for EC curves
 * outside JOSE's (brainpool, secp224r1, …): without this check such a key would stop
 * start-up with a bare crypto error instead of the library's "must be a P-256 EC key".
 */
function thumbprint(privateKey: KeyObject, file: string): string {
  let jwk: JsonWebKey;
  try {
    jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  } catch {
    const curve = privateKey.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    throw new ChirpConfigError(
      KEY_FILE,
      `${JSON.stringify(file)} is an EC key on curve ${curve}, which has no JWK form; use a P-256 EC key (ES256): ${GENERATE_HINT}`,
    );
  }
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

/**
 * The algorithm a key's type implies. Only the type is Chirp's to judge, because it picks
 * the algorithm from it: any other type (Ed25519, …) would reach the library as an ES256
 * key and be refused as "not a P-256 EC key", which misleads. Size and curve are the
 * library's rules (RSA ≥ 2048 bits, P-256), checked by `checkChirpJwtOptions`.
 */
function algorithmOf(key: KeyObject, file: string): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') return 'ES256';
  throw new ChirpConfigError(
    KEY_FILE,
    `${JSON.stringify(file)} is a key of type ${key.asymmetricKeyType ?? 'unknown'}; use an RSA key of at least 2048 bits (RS256) or a P-256 EC key (ES256): ${GENERATE_HINT}`,
  );
}

/**
 * Reads how value tokens are signed from `JWT_SECRET`, `JWT_PRIVATE_KEY_FILE` and
 * `JWT_KEY_ID`. Both key variables are read whatever the strategy; with value tokens
 * and neither set, a random secret is generated — except in production
 * (`NODE_ENV=production`), where that is an error. What the key must be (secret length
 * and randomness, RSA size, EC curve, `kid` syntax) is the library's rule, applied by
 * `checkChirpJwtOptions`; here only what the library cannot see: the file, and a key type
 * or curve Chirp cannot pick an algorithm or thumbprint for.
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
    return { kind: 'secret', keyId: keyId(env, () => 'chirp-1'), secret, generated: false };
  }
  if (file !== null) {
    const privateKey = readPrivateKey(file);
    const algorithm = algorithmOf(privateKey, file);
    const kid = keyId(env, () => thumbprint(privateKey, file));
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
