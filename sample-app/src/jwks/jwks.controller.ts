import { Controller, Get, Header } from '@nestjs/common';
import { Public, TokenService, type PublicJwk } from 'nest-sessions';

/** `GET /.well-known/jwks.json`'s answer (RFC 7517 JSON Web Key Set). */
export interface JwksView {
  readonly keys: PublicJwk[];
}

/**
 * The public keys that verify Chirp's access tokens, for other services (RFC 8414's
 * `jwks_uri`). Only asymmetric keys (RS256/ES256, `JWT_PRIVATE_KEY_FILE`) are listed, and
 * only their public parts: with an HMAC secret or reference tokens the set is empty, since
 * a secret can never be published (services that must verify tokens then need a key file).
 */
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  /** `{ keys: [...] }`. Public; cacheable for a few minutes (a new `kid` means a new key). */
  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  get(): JwksView {
    return this.tokens.jwks();
  }
}
