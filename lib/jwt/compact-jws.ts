/** The only header parameters a value token may carry. */
const ALLOWED_HEADER_PARAMS = new Set(['alg', 'typ', 'kid']);

/** Longest header segment accepted (base64url characters). */
const MAX_HEADER_SEGMENT = 256;

/** A JWS header that passed the structural checks. */
export interface JwsHeader {
  /** Algorithm named by the token (still to be matched against the key's pinned one). */
  readonly alg: string;
  /** Token type; access tokens carry `at+jwt`. */
  readonly typ: string;
  /** Key id. */
  readonly kid: string;
}

function isBase64UrlChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95
  );
}

/**
 * Checks the shape of a compact JWS before any cryptography or claim parsing, in linear
 * time and without regular expressions: at most `maxLength` characters, exactly three
 * non-empty base64url segments, a small header that is a JSON object with string `alg`,
 * `typ` and `kid` and no other parameter (so `jwk`, `jku`, `x5u`, `x5c`, `crit`, `zip`,
 * `enc`, `b64` are all refused). The payload is not decoded here.
 * @returns the header, or `null` if the token is not shaped like one of ours.
 */
export function readJwsHeader(token: string, maxLength: number): JwsHeader | null {
  if (typeof token !== 'string' || token.length > maxLength) return null;
  let dots = 0;
  let first = -1;
  let second = -1;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c === 46) {
      dots++;
      if (dots === 1) first = i;
      else if (dots === 2) second = i;
      else return null;
    } else if (!isBase64UrlChar(c)) {
      return null;
    }
  }
  if (dots !== 2 || first === 0 || second === first + 1 || second === token.length - 1) return null;
  if (first > MAX_HEADER_SEGMENT) return null;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
  for (const key of Object.keys(header)) {
    if (!ALLOWED_HEADER_PARAMS.has(key)) return null;
  }
  const { alg, typ, kid } = header as Record<string, unknown>;
  if (typeof alg !== 'string' || typeof typ !== 'string' || typeof kid !== 'string') return null;
  return { alg, typ, kid };
}
