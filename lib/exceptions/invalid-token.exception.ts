import { UnauthorizedException } from '@nestjs/common';

/**
 * 401 for a missing, malformed, unknown, expired or revoked credential.
 * The body never says which of these it was. The guard adds the
 * `WWW-Authenticate: Bearer` header (RFC 6750) before throwing it.
 */
export class InvalidTokenException extends UnauthorizedException {
  /**
   * Whether the request carried a credential that was refused (a token, or an
   * `Authorization` header that is not a well-formed Bearer token), as opposed to none at
   * all: what tells a client guessing tokens from one that is merely not signed in (e.g.
   * to throttle the former). Set by `AuthGuard`; `false` when the thrower did not say.
   * Never part of the response body.
   */
  readonly tokenPresented: boolean;

  /**
   * @param message public message; keep it generic.
   * @param options `tokenPresented`: see {@link InvalidTokenException.tokenPresented}.
   */
  constructor(
    message = 'Invalid or missing access token',
    options: { readonly tokenPresented?: boolean } = {},
  ) {
    super(message);
    this.tokenPresented = options.tokenPresented ?? false;
  }
}
