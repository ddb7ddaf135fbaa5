import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { getOwnedResource } from '../guards/request-principal.js';

/**
 * The resource `@RequireOwnership` loaded and checked, so the handler does not load it again.
 *
 * @example
 * remove(@OwnedResource() post: Post) { ... }
 */
export const OwnedResource = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    getOwnedResource(context.switchToHttp().getRequest<object>()),
);
