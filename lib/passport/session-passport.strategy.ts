import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { setPrincipal } from '../guards/request-principal.js';
import { TokenService } from '../tokens/token.service.js';
import type { Principal } from '../tokens/token.types.js';
import { BearerSessionStrategy } from './bearer-session.strategy.js';

/** The Passport name of {@link SessionPassportStrategy}: use `AuthGuard('nest-sessions')`. */
export const SESSION_PASSPORT_STRATEGY = 'nest-sessions';

/**
 * The library's token verification as a `@nestjs/passport` strategy, for apps that
 * standardise on `AuthGuard('<name>')`. Works with either token strategy (it verifies
 * through the configured `TokenService`). `req.user` becomes the {@link Principal}, and
 * `@CurrentSession()` / `@CurrentUser()` work as with the library's guard.
 *
 * It depends only on singletons, so Passport registers it once at boot even in apps whose
 * controllers use request-scoped providers (a strategy with a request-scoped dependency
 * would be built per request and never registered). Permissions are not checked here:
 * keep `@RequirePermission` routes behind the library's `AuthGuard`, or check
 * `req.user.permissions` yourself.
 *
 * @example
 * // module: providers: [SessionPassportStrategy]   (import from 'nest-sessions/passport')
 * @UseGuards(AuthGuard('nest-sessions')) @Get('me') me(@Req() req) { return req.user; }
 */
@Injectable()
export class SessionPassportStrategy extends PassportStrategy(
  BearerSessionStrategy,
  SESSION_PASSPORT_STRATEGY,
) {
  constructor(private readonly tokens: TokenService) {
    super();
  }

  /** Verifies the token; `null` makes the guard answer 401. */
  async validate(request: object, token: string): Promise<Principal | null> {
    const principal = await this.tokens.verify(token);
    if (principal) setPrincipal(request, principal);
    return principal;
  }
}
