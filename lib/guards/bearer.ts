/** Longest `Authorization` header the guard reads; anything longer is refused unread. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

/** What an `Authorization` header carried. */
export type BearerCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'other-scheme' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string };

const NONE: BearerCredential = { kind: 'none' };
const OTHER: BearerCredential = { kind: 'other-scheme' };
const MALFORMED: BearerCredential = { kind: 'malformed' };

/** RFC 6750 b64token characters: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" then "="*. */
function isB64Token(value: string): boolean {
  let i = 0;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok =
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      (c >= 48 && c <= 57) ||
      c === 45 || // -
      c === 46 || // .
      c === 95 || // _
      c === 126 || // ~
      c === 43 || // +
      c === 47; // /
    if (!ok) break;
  }
  if (i === 0) return false;
  for (; i < value.length; i++) {
    if (value.charCodeAt(i) !== 61) return false; // only trailing "="
  }
  return true;
}

function isBearerScheme(scheme: string): boolean {
  return scheme.length === 6 && scheme.toLowerCase() === 'bearer';
}

/**
 * Parses an `Authorization` header strictly, in linear time, without regular expressions:
 * `<scheme> <token>` with the scheme `Bearer` in any case, exactly one space, and a token
 * of RFC 6750 `b64token` characters. Anything else is `malformed` (or `other-scheme`),
 * and headers over {@link MAX_AUTHORIZATION_LENGTH} are refused before being scanned.
 */
export function parseBearer(header: unknown): BearerCredential {
  if (header === undefined) return NONE;
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_LENGTH) return MALFORMED;
  const space = header.indexOf(' ');
  // No space: a bare "Bearer" or "Bearer\t<token>" is a broken Bearer credential.
  if (space < 0) return isBearerScheme(header.slice(0, 6)) ? MALFORMED : OTHER;
  if (!isBearerScheme(header.slice(0, space))) return OTHER;
  const token = header.slice(space + 1);
  return isB64Token(token) ? { kind: 'token', token } : MALFORMED;
}
