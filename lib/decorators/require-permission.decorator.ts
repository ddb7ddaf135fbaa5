import { Reflector } from '@nestjs/core';
import { assertPermissionNames } from '../permissions/permission-name.js';

/** Metadata reader of {@link RequirePermission}. */
export const REQUIRED_PERMISSIONS = Reflector.createDecorator<readonly string[]>();

/**
 * Requires the caller to hold every listed permission (exact, case-sensitive match).
 * On a controller and on a method, the requirements add up: a method can never drop
 * a class-level requirement. Lacking one answers 403.
 *
 * @example
 * @RequirePermission('posts:create') @Post() create(...) { ... }
 * @throws TypeError at decoration time for a malformed permission name.
 */
export function RequirePermission(...permissions: string[]): MethodDecorator & ClassDecorator {
  if (permissions.length === 0) {
    throw new TypeError('nest-sessions: @RequirePermission() needs at least one permission');
  }
  assertPermissionNames(permissions, '@RequirePermission()');
  return REQUIRED_PERMISSIONS(Object.freeze([...permissions]));
}
