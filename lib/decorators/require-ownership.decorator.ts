import type { Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type {
  OwnershipRequirement,
  OwnershipResolver,
  OwnershipRule,
} from '../permissions/ownership.js';
import { assertPermissionNames } from '../permissions/permission-name.js';

/** Metadata reader of {@link RequireOwnership}. */
export const OWNERSHIP_REQUIREMENT = Reflector.createDecorator<OwnershipRequirement>();

/**
 * Declarative ownership: the caller may act if they hold `any`, or if they hold `own`
 * and own the resource. The guard loads the resource once with `resolver` (a provider
 * you register), answers 404 when it does not exist, 403 when the caller may not act on
 * it, and hands it to the handler through `@OwnedResource()`. Callers holding neither
 * permission get 403 before anything is loaded.
 *
 * @example
 * @RequireOwnership(PostOwnership, { own: 'posts:delete:own', any: 'posts:delete:any' })
 * @Delete(':id')
 * remove(@OwnedResource() post: Post) { return this.posts.delete(post); }
 */
export function RequireOwnership<T>(
  resolver: Type<OwnershipResolver<T>>,
  rule: OwnershipRule,
): MethodDecorator {
  if (typeof resolver !== 'function') {
    throw new TypeError('nest-sessions: @RequireOwnership() needs a resolver class');
  }
  assertPermissionNames([rule?.own, rule?.any], '@RequireOwnership()');
  return OWNERSHIP_REQUIREMENT({
    resolver,
    own: rule.own,
    any: rule.any,
  });
}
