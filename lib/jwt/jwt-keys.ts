import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import type { JwtAlgorithm, JwtKeyOptions } from './jwt-options.interface.js';

/** A configured key, imported once: `KeyObject`s, never strings re-imported per verification. */
export interface ResolvedJwtKey {
  /** Key id. */
  readonly kid: string;
  /** The key's only algorithm. */
  readonly algorithm: JwtAlgorithm;
  /** Key that verifies (HMAC secret or public key). */
  readonly verifyKey: KeyObject;
  /** Key that signs (HMAC secret or private key); `null` for verify-only keys. */
  readonly signKey: KeyObject | null;
}

const ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256'];
const MIN_HMAC_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };
const KID_CHARS = /^[A-Za-z0-9._-]{1,64}$/;

/** Secrets that tutorials, examples and defaults use. Refused whatever their length. */
const WELL_KNOWN_SECRETS = new Set([
  'secret',
  'secretkey',
  'secret-key',
  'jwt_secret',
  'jwt-secret',
  'jwtsecret',
  'changeme',
  'change-me',
  'password',
  'your-256-bit-secret',
  'your-384-bit-secret',
  'your-512-bit-secret',
  'shhhhh',
  'keyboard cat',
  'mysecret',
  'supersecret',
  'nest-sessions',
  'chirp',
]);

function hmacKey(option: string, key: JwtKeyOptions): KeyObject {
  const secret = key.secret;
  let bytes: Buffer;
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') {
      throw new SessionConfigurationError(
        option,
        `must be a secret key for ${key.algorithm}`,
        'pass the HMAC secret',
      );
    }
    // A KeyObject gets the same checks as the bytes it holds.
    bytes = secret.export();
  } else {
    bytes =
      typeof secret === 'string'
        ? Buffer.from(secret, 'utf8')
        : Buffer.isBuffer(secret)
          ? Buffer.from(secret)
          : Buffer.alloc(0);
  }
  if (bytes.length === 0) {
    throw new SessionConfigurationError(
      option,
      'is empty',
      `set a random secret of at least ${MIN_HMAC_BYTES[key.algorithm]} bytes, e.g. openssl rand -base64 48`,
    );
  }
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN')) {
    throw new SessionConfigurationError(
      option,
      'looks like a PEM key, not an HMAC secret',
      'use an asymmetric algorithm (RS256/ES256) with privateKey/publicKey, or a random secret for HS*',
    );
  }
  if (WELL_KNOWN_SECRETS.has(text.trim().toLowerCase())) {
    throw new SessionConfigurationError(
      option,
      'is a well-known default secret',
      'generate a random one, e.g. openssl rand -base64 48',
    );
  }
  if (new Set(bytes).size < 8) {
    throw new SessionConfigurationError(
      option,
      'has almost no distinct bytes (not random)',
      'generate a random one, e.g. openssl rand -base64 48',
    );
  }
  return checkHmacLength(option, key.algorithm, createSecretKey(bytes));
}

function checkHmacLength(option: string, algorithm: JwtAlgorithm, key: KeyObject): KeyObject {
  const min = MIN_HMAC_BYTES[algorithm];
  const size = key.symmetricKeySize ?? 0;
  if (size < min) {
    throw new SessionConfigurationError(
      option,
      `is ${size} bytes, too short for ${algorithm}`,
      `use at least ${min} random bytes, e.g. openssl rand -base64 ${min + 16}`,
    );
  }
  return key;
}

function asymmetricKeys(
  option: string,
  key: JwtKeyOptions,
): { sign: KeyObject | null; verify: KeyObject } {
  if (key.secret !== undefined) {
    throw new SessionConfigurationError(
      option,
      `sets "secret" for ${key.algorithm}`,
      'use privateKey/publicKey for RS256/ES256',
    );
  }
  let sign: KeyObject | null = null;
  let verify: KeyObject;
  try {
    if (key.privateKey !== undefined) {
      const pk = key.privateKey;
      sign = pk instanceof KeyObject ? pk : createPrivateKey(pk);
      if (sign.type !== 'private') throw new Error('not a private key');
    }
    if (key.publicKey !== undefined) {
      const pub = key.publicKey;
      verify = pub instanceof KeyObject ? pub : createPublicKey(pub);
      if (verify.type !== 'public') throw new Error('not a public key');
    } else if (sign) {
      verify = createPublicKey(sign);
    } else {
      throw new Error('neither privateKey nor publicKey is set');
    }
  } catch (error) {
    throw new SessionConfigurationError(
      option,
      `holds no usable ${key.algorithm} key (${(error as Error).message})`,
      'pass PEM strings or KeyObjects: privateKey to sign, publicKey (or privateKey) to verify',
    );
  }
  const details = verify.asymmetricKeyDetails ?? {};
  if (key.algorithm === 'RS256') {
    if (verify.asymmetricKeyType !== 'rsa' || (details.modulusLength ?? 0) < 2048) {
      throw new SessionConfigurationError(
        option,
        'must be an RSA key of at least 2048 bits for RS256',
        'generate one with openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048',
      );
    }
  } else if (verify.asymmetricKeyType !== 'ec' || details.namedCurve !== 'prime256v1') {
    throw new SessionConfigurationError(
      option,
      'must be a P-256 EC key for ES256',
      'generate one with openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256',
    );
  }
  // Compare whole keys: RSA JWKs have no "x", so comparing x alone matched any two RSA keys.
  if (sign && !createPublicKey(sign).equals(verify)) {
    throw new SessionConfigurationError(
      option,
      'has a publicKey that does not match its privateKey',
      'pass the matching pair, or only privateKey',
    );
  }
  return { sign, verify };
}

/**
 * Imports and checks every configured key once, at boot.
 * @throws SessionConfigurationError for an empty, short, default or mismatched key.
 */
export function resolveJwtKeys(
  keys: readonly JwtKeyOptions[],
  shorthand = false,
): ResolvedJwtKey[] {
  if (!keys || keys.length === 0) {
    throw new SessionConfigurationError(
      'jwt',
      'has no key',
      'set jwt.secret (HS256) or jwt.keys; e.g. jwt: { secret: process.env.JWT_SECRET }',
    );
  }
  const seen = new Set<string>();
  return keys.map((key, index) => {
    // The `jwt.secret` shorthand is reported under its own name.
    const option = shorthand ? 'jwt' : `jwt.keys[${index}]`;
    if (typeof key?.kid !== 'string' || !KID_CHARS.test(key.kid)) {
      throw new SessionConfigurationError(
        `${option}.kid`,
        'must be 1–64 characters of [A-Za-z0-9._-]',
        "name the key, e.g. kid: '2026-11'",
      );
    }
    if (seen.has(key.kid)) {
      throw new SessionConfigurationError(
        `${option}.kid`,
        `"${key.kid}" is used twice`,
        'give every key its own kid',
      );
    }
    seen.add(key.kid);
    if (!ALGORITHMS.includes(key.algorithm)) {
      throw new SessionConfigurationError(
        `${option}.algorithm`,
        `must be one of ${ALGORITHMS.join(', ')} (got ${JSON.stringify(key.algorithm)})`,
        "pick one algorithm per key, e.g. algorithm: 'HS256'",
      );
    }
    if (key.algorithm.startsWith('HS')) {
      const secret = hmacKey(`${option}.secret`, key);
      return { kid: key.kid, algorithm: key.algorithm, verifyKey: secret, signKey: secret };
    }
    const { sign, verify } = asymmetricKeys(option, key);
    return { kid: key.kid, algorithm: key.algorithm, verifyKey: verify, signKey: sign };
  });
}

/** A JSON Web Key Set entry for a public key, for `/.well-known/jwks.json`. */
export type PublicJwk = JsonWebKey & { kid: string; alg: JwtAlgorithm; use: 'sig' };

/** The public keys among `keys` as a JWKS (HMAC secrets are never included). */
export function toJwks(keys: readonly ResolvedJwtKey[]): { keys: PublicJwk[] } {
  return {
    keys: keys
      .filter((key) => key.verifyKey.type === 'public')
      .map((key) => ({
        ...key.verifyKey.export({ format: 'jwk' }),
        kid: key.kid,
        alg: key.algorithm,
        use: 'sig' as const,
      })),
  };
}
