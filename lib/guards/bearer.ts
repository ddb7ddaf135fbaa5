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

/**
 * Whether `value` is an RFC 6750 `b64token`: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/",
 * then "="*. Both token kinds (opaque base64url, JWT) have this shape; a linear loop, no regex.
 *
 * @example
 * isB64Token('abc.def-ghi') // true
 * isB64Token('j:{"a":1}') // false
 */
export function isB64Token(value: string): boolean {
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

/** The parts of a request {@link parseAuthorization} reads (Express and Fastify requests). */
export interface AuthorizationRequest {
  /** Parsed headers; Node.js keeps only the first of repeated `Authorization` lines here. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Every header line as sent (Express, Node.js). */
  readonly rawHeaders?: readonly string[];
  /** The Node.js request (Fastify), for its `rawHeaders`. */
  readonly raw?: { readonly rawHeaders?: readonly string[] };
}

/** Whether `rawHeaders` (name, value, name, value, …) has header `name` (lower case) twice. */
function isRepeated(rawHeaders: readonly string[] | undefined, name: string): boolean {
  if (rawHeaders === undefined) return false;
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key: unknown = rawHeaders[i];
    if (typeof key !== 'string' || key.length !== name.length) continue;
    if (key.toLowerCase() === name && ++seen > 1) return true;
  }
  return false;
}

/**
 * {@link parseBearer} of a request's `Authorization` header, refusing a request that sends
 * the header more than once as `malformed`: Node.js would silently keep the first line, so
 * which credential counts would depend on the order an intermediary chose.
 *
 * @example
 * parseAuthorization(request) // { kind: 'token', token } | { kind: 'none' } | …
 */
export function parseAuthorization(request: AuthorizationRequest): BearerCredential {
  const header = request.headers.authorization;
  // Node.js keeps the first of repeated lines: no header here means none was sent at all.
  if (header === undefined) return NONE;
  if (isRepeated(request.rawHeaders ?? request.raw?.rawHeaders, 'authorization')) return MALFORMED;
  return parseBearer(header);
}
