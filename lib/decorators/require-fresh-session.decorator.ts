import { Reflector } from '@nestjs/core';

/** Metadata reader of {@link RequireFreshSession}. */
export const REQUIRE_FRESH_SESSION = Reflector.createDecorator<boolean>({ transform: () => true });

/**
 * For sensitive routes with value tokens: before authorizing, the guard confirms the
 * session against the store (still live, not revoked on any instance) and authorizes with
 * the user's current permissions instead of the ones carried in the token. Costs one store
 * read. Reference tokens are always checked this way, so it changes nothing for them.
 *
 * @example
 * @RequireFreshSession() @RequirePermission('users:manage') @Put(':id/permissions') ...
 */
export function RequireFreshSession(): MethodDecorator & ClassDecorator {
  return REQUIRE_FRESH_SESSION();
}
