import { UnauthorizedException } from '@nestjs/common';

/**
 * 401 for a missing, malformed, unknown, expired or revoked credential.
 * The body never says which of these it was. The guard adds the
 * `WWW-Authenticate: Bearer` header (RFC 6750) before throwing it.
 */
export class InvalidTokenException extends UnauthorizedException {
  /** @param message public message; keep it generic. */
  constructor(message = 'Invalid or missing access token') {
    super(message);
  }
}
