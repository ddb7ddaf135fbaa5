import { expect } from '@jest/globals';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'supertest';
import { rawHeader, type RawResponse } from './raw-http.js';

/** The body of every 401 the guard answers (G2): it never says which check failed. */
export const UNAUTHORIZED_BODY = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'Invalid or missing access token',
} as const;

/** The body of every 403 (S55). */
export const FORBIDDEN_BODY = {
  statusCode: 403,
  error: 'Forbidden',
  message: 'Insufficient permission',
} as const;

/** The challenge of a 401 for a presented token; without one it is just `Bearer` (G3). */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/**
 * What must never appear in an answer (G2, S69): stack frames, messages of the JWT, SQL,
 * Redis and JSON libraries, internal error class names.
 */
const LEAKS: ReadonlyArray<readonly [string, RegExp]> = [
  ['a stack frame', /\bat .+\.(?:js|ts|mjs|cjs):\d+/],
  [
    'a jsonwebtoken message',
    /jwt (?:malformed|expired|must|signature|audience|issuer|not active)/i,
  ],
  ['a crypto message', /invalid (?:signature|algorithm)|secret or public key/i],
  [
    'a JWT library error name',
    /JsonWebTokenError|TokenExpiredError|NotBeforeError|JWSInvalid|JOSE/,
  ],
  [
    'an SQL error',
    /QueryFailedError|SQLITE_|\bER_[A-Z_]{3,}|syntax error at|duplicate key|violates|relation "/i,
  ],
  ['a connection error', /ECONNREFUSED|ETIMEDOUT|ECONNRESET|EPIPE/],
  ['a Redis error', /ReplyError|WRONGTYPE|NOSCRIPT|CROSSSLOT|redis/i],
  ['a JS error name', /\b(?:TypeError|RangeError|SyntaxError|ReferenceError)\b/],
  ['a JSON.parse message', /Unexpected token|in JSON at position|Unexpected end of JSON/i],
  [
    'a class-transformer/validator internal',
    /class-transformer|class-validator|an unknown value was passed/i,
  ],
];

/** Either kind of answer the suite reads. */
export type AnyResponse = Response | RawResponse;

function isRaw(response: AnyResponse): response is RawResponse {
  return Array.isArray((response as RawResponse).headers);
}

function header(response: AnyResponse, name: string): string | undefined {
  if (isRaw(response)) return rawHeader(response, name);
  const value = response.headers[name.toLowerCase()] as unknown;
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

function text(response: AnyResponse): string {
  return isRaw(response) ? response.body : (response.text ?? '');
}

function json(response: AnyResponse): unknown {
  if (!isRaw(response)) return response.body;
  try {
    return JSON.parse(response.body);
  } catch {
    return response.body;
  }
}

/**
 * G2 for any answer: no leak of internals (stack, library, SQL or Redis text), no echo of
 * anything in `sent` (tokens, passwords), no `X-Powered-By`.
 */
export function expectCleanAnswer(response: AnyResponse, sent: readonly string[] = []): void {
  const body = text(response);
  const found = LEAKS.filter(([, pattern]) => pattern.test(body)).map(([what]) => what);
  expect({ leaks: found, body: body.slice(0, 300) }).toEqual({
    leaks: [],
    body: body.slice(0, 300),
  });
  for (const value of sent) {
    if (value.length >= 6) expect(body.includes(value)).toBe(false);
  }
  expect(header(response, 'x-powered-by')).toBeUndefined();
}

/**
 * G2 + G3 for a 401: the exact generic body, `WWW-Authenticate: Bearer`, with
 * `error="invalid_token"` if and only if a Bearer token was sent (`'either'` where the
 * contract allows both, e.g. an empty `Bearer`), no echo of `sent`, no internals.
 */
export function expectGeneric401(
  response: AnyResponse,
  tokenSent: boolean | 'either',
  sent: readonly string[] = [],
): void {
  const challenge = header(response, 'www-authenticate');
  const allowed =
    tokenSent === 'either'
      ? ['Bearer', INVALID_TOKEN_CHALLENGE]
      : [tokenSent ? INVALID_TOKEN_CHALLENGE : 'Bearer'];
  expect({ status: response.status, body: json(response) }).toEqual({
    status: 401,
    body: UNAUTHORIZED_BODY,
  });
  expect(allowed).toContain(challenge);
  expect(header(response, 'content-type')).toMatch(/^application\/json/);
  expectCleanAnswer(response, sent);
}

/**
 * An error answer of `status` (one of `statuses`) in the contract's shape
 * `{statusCode, error, message}` with the reason phrase as `error`, and clean (G2).
 */
export function expectGenericError(
  response: AnyResponse,
  statuses: number | readonly number[],
  sent: readonly string[] = [],
): void {
  const allowed = typeof statuses === 'number' ? [statuses] : statuses;
  expect(allowed).toContain(response.status);
  expect(json(response)).toEqual({
    statusCode: response.status,
    error: STATUS_CODES[response.status],
    message: expect.any(String),
  });
  expectCleanAnswer(response, sent);
}

/** Never a 5xx (G1), whatever else. */
export function expectNo5xx(response: AnyResponse, what = ''): void {
  expect({ what, status: response.status < 500 ? 'below 500' : response.status }).toEqual({
    what,
    status: 'below 500',
  });
}
