import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getPrincipal } from '../guards/request-principal.js';
import type { Principal } from '../tokens/token.types.js';

/**
 * The verified caller's {@link Principal} (user id, session id, permissions, expiry).
 * `undefined` on a `@Public()` route.
 *
 * @example
 * @Post('logout') logout(@CurrentSession() session: Principal) { ... }
 */
export const CurrentSession = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    getPrincipal(context.switchToHttp().getRequest<object>()),
);
