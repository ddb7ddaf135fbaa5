import { isSessionId } from '../tokens/opaque-token.js';
import { isPermissionName } from '../permissions/permission-name.js';

/** The claims of a value (access) token. */
export interface AccessTokenClaims {
  /** User id. */
  readonly sub: string;
  /** Session id. */
  readonly sid: string;
  /** Unique token id. */
  readonly jti: string;
  /** Issued at (seconds). */
  readonly iat: number;
  /** Expires at (seconds). */
  readonly exp: number;
  /** The session's revocation epoch when the token was minted. */
  readonly ep: number;
  /** Permissions in effect when the token was minted (when embedded). */
  readonly permissions?: readonly string[];
  /** Issuer, when configured. */
  readonly iss?: string;
  /** Audience, when configured. */
  readonly aud?: string;
}

const ALLOWED_CLAIMS = new Set([
  'sub',
  'sid',
  'jti',
  'iat',
  'exp',
  'ep',
  'permissions',
  'iss',
  'aud',
]);
const MAX_PERMISSIONS = 256;

/** What the verifier requires of the claims beyond what jsonwebtoken checked. */
export interface ClaimRules {
  /** Whether `permissions` must be present. */
  readonly embedPermissions: boolean;
  /** Longest allowed `exp - iat`, seconds. */
  readonly maxLifetimeSeconds: number;
  /** Now, seconds. */
  readonly nowSeconds: number;
  /** Tolerance, seconds. */
  readonly leewaySeconds: number;
  /** Required `iss`, if any. */
  readonly issuer?: string;
  /** Required `aud`, if any (an exact string, not an array). */
  readonly audience?: string;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Validates the decoded payload of a signature-checked token strictly: exactly the claims
 * this library issues, of the right types (`sub`/`sid`/`jti` strings, `iat`/`exp`/`ep`
 * integers), `iat` not in the future, a lifetime no longer than configured, exact
 * `iss`/`aud`. Anything else is refused.
 * @returns the claims, or `null`.
 */
export function checkAccessClaims(payload: unknown, rules: ClaimRules): AccessTokenClaims | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const claims = payload as Record<string, unknown>;
  for (const key of Object.keys(claims)) if (!ALLOWED_CLAIMS.has(key)) return null;
  const { sub, sid, jti, iat, exp, ep, permissions, iss, aud } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) return null;
  if (!isSessionId(sid) || typeof jti !== 'string' || jti.length === 0 || jti.length > 64)
    return null;
  if (!isInt(iat) || !isInt(exp) || !isInt(ep) || ep < 0) return null;
  if (exp <= iat || exp - iat > rules.maxLifetimeSeconds) return null;
  if (iat > rules.nowSeconds + rules.leewaySeconds) return null;
  if (rules.issuer !== undefined ? iss !== rules.issuer : iss !== undefined) return null;
  if (rules.audience !== undefined ? aud !== rules.audience : aud !== undefined) return null;
  if (rules.embedPermissions) {
    if (!Array.isArray(permissions) || permissions.length > MAX_PERMISSIONS) return null;
    if (!permissions.every(isPermissionName)) return null;
  } else if (permissions !== undefined) {
    return null;
  }
  return claims as unknown as AccessTokenClaims;
}
