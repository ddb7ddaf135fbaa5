import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random bytes in an opaque (reference or refresh) token: 256 bits. */
export const OPAQUE_TOKEN_BYTES = 32;

/** Characters in an opaque token: 32 bytes in unpadded base64url. */
export const OPAQUE_TOKEN_LENGTH = 43;

/** Random bytes in a session id: 128 bits. Session ids are not credentials. */
const SESSION_ID_BYTES = 16;

/** Characters in a session id: 16 bytes in unpadded base64url. */
export const SESSION_ID_LENGTH = 22;

/**
 * Whether every character of `value` is in the base64url alphabet.
 * A plain loop over char codes: no regular expression, no backtracking.
 */
function isBase64Url(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok =
      (c >= 65 && c <= 90) || // A-Z
      (c >= 97 && c <= 122) || // a-z
      (c >= 48 && c <= 57) || // 0-9
      c === 45 || // -
      c === 95; // _
    if (!ok) return false;
  }
  return true;
}

/** A new opaque token: 256 bits from the OS CSPRNG, base64url, 43 characters. */
export function generateOpaqueToken(): string {
  return randomBytes(OPAQUE_TOKEN_BYTES).toString('base64url');
}

/** A new session id: 128 bits from the OS CSPRNG, base64url, 22 characters. */
export function generateSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url');
}

/**
 * Whether `value` has the exact shape of an opaque token. Checked before any hashing
 * or store call, so garbage costs nothing and never reaches a database or Redis.
 */
export function isOpaqueToken(value: unknown): value is string {
  return typeof value === 'string' && value.length === OPAQUE_TOKEN_LENGTH && isBase64Url(value);
}

/** Whether `value` has the exact shape of a session id. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && value.length === SESSION_ID_LENGTH && isBase64Url(value);
}

/**
 * The form in which a token is stored and looked up: lowercase hex SHA-256 (64 characters).
 * A dump of any store therefore yields no usable token.
 */
export function hashToken(token: string): string {
  // One-shot `crypto.hash` (Node ≥ 20.12): a third of `createHash(...).update().digest()`'s
  // cost for a 43-character input, and every authenticated request pays it.
  return hash('sha256', token, 'hex');
}

/** Constant-time equality of two token hashes (equal-length hex strings). */
export function hashesEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
