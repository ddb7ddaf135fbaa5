/** What a `Cookie` request header holds under one cookie name. */
export type CookieLookup =
  | { readonly kind: 'none' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'value'; readonly value: string };

const NONE: CookieLookup = { kind: 'none' };
const DUPLICATE: CookieLookup = { kind: 'duplicate' };

function isOws(code: number): boolean {
  return code === 32 || code === 9;
}

function trim(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

/**
 * Finds the cookie named exactly `name` (case-sensitive) in a raw `Cookie` header, in
 * linear time and without regular expressions. Values are returned as sent: never
 * URL-decoded, never JSON-parsed (no `j:` cookies), unquoted only by the caller's own
 * format check. A name present more than once is `duplicate`, whatever the values, so a
 * planted second cookie can never choose which one counts. Unrelated cookies and pairs
 * without `=` are ignored.
 *
 * Node.js joins repeated `Cookie` header lines with `'; '`, so a name repeated across
 * lines is a duplicate too; an array (other servers) is treated the same way.
 *
 * @example
 * readCookie('theme=dark; __Host-session=abc', '__Host-session') // { kind: 'value', value: 'abc' }
 * readCookie('a=1; a=2', 'a') // { kind: 'duplicate' }
 */
export function readCookie(header: unknown, name: string): CookieLookup {
  const raw = Array.isArray(header) ? header.join('; ') : header;
  if (typeof raw !== 'string' || raw.length === 0) return NONE;
  let found: string | null = null;
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf(';', start);
    if (end < 0) end = raw.length;
    const pair = raw.slice(start, end);
    const eq = pair.indexOf('=');
    if (eq >= 0 && trim(pair.slice(0, eq)) === name) {
      if (found !== null) return DUPLICATE;
      found = trim(pair.slice(eq + 1));
    }
    start = end + 1;
  }
  return found === null ? NONE : { kind: 'value', value: found };
}

/** Attributes of one `Set-Cookie` header written by {@link serializeCookie}. */
export interface CookieAttributes {
  /** `Path`. */
  readonly path: string;
  /** `Max-Age` in seconds; `0` expires the cookie at once. */
  readonly maxAge: number;
  /** `HttpOnly`: hidden from the page's JavaScript. */
  readonly httpOnly: boolean;
  /** `SameSite`. */
  readonly sameSite: 'strict' | 'lax';
}

/**
 * One `Set-Cookie` header value. Always `Secure` and without `Domain` (host-only), as the
 * `__Host-` and `__Secure-` prefixes require. Name, value and path must already be valid
 * (the options resolver and the token formats guarantee it).
 *
 * @example
 * serializeCookie('__Host-session', token, { path: '/', maxAge: 3600, httpOnly: true, sameSite: 'strict' })
 * // '__Host-session=<token>; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict'
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  const sameSite = attributes.sameSite === 'strict' ? 'Strict' : 'Lax';
  return (
    `${name}=${value}; Path=${attributes.path}; Max-Age=${Math.max(0, Math.floor(attributes.maxAge))}; Secure` +
    `${attributes.httpOnly ? '; HttpOnly' : ''}; SameSite=${sameSite}`
  );
}
