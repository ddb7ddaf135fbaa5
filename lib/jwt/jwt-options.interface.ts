import type { KeyObject } from 'node:crypto';

/** Signature algorithms supported for value tokens (through `@nestjs/jwt` / jsonwebtoken). */
export type JwtAlgorithm = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'ES256';

/** Key material: a PEM string, raw bytes (HMAC secrets), or a `KeyObject`. */
export type JwtKeyMaterial = string | Buffer | KeyObject;

/**
 * One signing/verification key. Each key has exactly one algorithm, pinned at verification;
 * tokens name their key with `kid`, matched exactly against the configured ids.
 */
export interface JwtKeyOptions {
  /** Key id, sent as the `kid` header (1–64 characters of `[A-Za-z0-9._-]`). */
  readonly kid: string;
  /** The key's only algorithm. */
  readonly algorithm: JwtAlgorithm;
  /** HMAC secret (HS*): at least 32/48/64 random bytes for HS256/384/512. */
  readonly secret?: JwtKeyMaterial;
  /** Private key (RS256/ES256); needed only on instances that sign. */
  readonly privateKey?: JwtKeyMaterial;
  /** Public key (RS256/ES256); derived from `privateKey` when omitted. */
  readonly publicKey?: JwtKeyMaterial;
}

/** Options of value tokens (`strategy: 'value'`). Durations in milliseconds. */
export interface JwtStrategyOptions {
  /**
   * Shorthand for one HS256 key with kid `'default'`: a secret of at least 32 bytes.
   * Use `keys` instead to rotate keys or sign asymmetrically.
   */
  readonly secret?: string | Buffer;

  /**
   * Every key tokens may be verified with. The key named by `signingKeyId` (default: the
   * first) signs. Keep a retired key here until its tokens have expired (`accessTokenTtl`),
   * then remove it: that is key rotation without logging anyone out.
   */
  readonly keys?: readonly JwtKeyOptions[];

  /** `kid` of the key that signs new tokens. @default keys[0].kid */
  readonly signingKeyId?: string;

  /** `iss` claim to set and require. @default none */
  readonly issuer?: string;

  /** `aud` claim to set and require. @default none */
  readonly audience?: string;

  /** Lifetime of an access token in ms. @default 900_000 (15 minutes) */
  readonly accessTokenTtl?: number;

  /** Clock tolerance in ms when checking `exp`, `nbf` and `iat` (at most 60_000). @default 0 */
  readonly leeway?: number;

  /** Longest token accepted, in characters; longer ones are refused before decoding. @default 4096 */
  readonly maxTokenLength?: number;

  /**
   * Carry the user's permissions in the token (the source article's design: no store read
   * to authorize). They can then be stale until the token expires or is refreshed; routes
   * marked `@RequireFreshSession()` read the current ones. When `false`, every request reads
   * them from the store.
   * @default true
   */
  readonly embedPermissions?: boolean;

  /**
   * Encrypt tokens (nested JWT: the signed token inside a compact JWE, `dir` + `A256GCM`,
   * via `jose`) for apps that must carry claims clients may not read. Off by default.
   */
  readonly encryption?: { readonly key: string | Buffer };

  /**
   * How often, in ms, each instance reads revocations made by other instances from the
   * store. This is the bound on how long a logout on one instance can take to hold on the
   * others (on the instance that handled it, it holds at once). Stores that push revocations
   * (Redis, tiered: `SessionStore.watchRevocations`) deliver them sooner, and an instance reads
   * the store at once when its subscription comes back after a lost connection; polling still
   * bounds the rest (e.g. a subscription that failed at start-up). `0` disables polling.
   * @default 1_000
   */
  readonly revocationPollInterval?: number;

  /**
   * How many verified access tokens each instance remembers, so that a client presenting the
   * same token again skips the signature check and claim parsing (a client reuses its access
   * token for every request of its lifetime). Only tokens that passed every check enter,
   * keyed by their exact text; on a hit, `exp` (with `leeway`) and the revocation list are
   * checked again, so logout, "log out everywhere" and incident response hold as without the
   * cache. The oldest entry makes room for a new one. `0` turns it off.
   * @default 10_000
   */
  readonly verifiedTokenCacheSize?: number;
}
