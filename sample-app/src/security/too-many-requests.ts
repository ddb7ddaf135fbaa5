import { HttpException, HttpStatus } from '@nestjs/common';
import { setHeader, type HeaderTarget } from '../common/set-header.js';

/**
 * The 429 Chirp answers when throttling: `Retry-After` (seconds) on the response, and the
 * contract's JSON body. The body is the same whatever was throttled and whether the
 * credentials were right.
 */
export function tooManyRequests(response: HeaderTarget, retryAfterSeconds: number): HttpException {
  setHeader(response, 'Retry-After', String(Math.max(1, retryAfterSeconds)));
  return new HttpException(
    { statusCode: 429, error: 'Too Many Requests', message: 'Too many attempts; retry later' },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
