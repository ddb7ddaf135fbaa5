import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getPrincipal } from '../guards/request-principal.js';

/** The signed-in user as `@CurrentUser()` hands it to a handler. */
export interface AuthenticatedUser {
  /** The user's id. */
  readonly id: string;
  /** Permissions in effect for this request. */
  readonly permissions: ReadonlySet<string>;
}

/**
 * The signed-in user (`{ id, permissions }`); `undefined` on a `@Public()` route.
 *
 * @example
 * @Get('me') me(@CurrentUser() user: AuthenticatedUser) { return this.users.profile(user.id); }
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser | undefined => {
    const principal = getPrincipal(context.switchToHttp().getRequest<object>());
    return principal ? { id: principal.userId, permissions: principal.permissions } : undefined;
  },
);
