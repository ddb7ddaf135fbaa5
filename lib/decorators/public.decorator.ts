import { Reflector } from '@nestjs/core';

/** Metadata reader of {@link Public}. */
export const IS_PUBLIC = Reflector.createDecorator<boolean>({ transform: () => true });

/**
 * Marks a route (or every route of a controller) as reachable without a session.
 * With the global guard, every route without it requires one (deny by default).
 *
 * @example
 * @Public() @Get('posts') list() { ... }
 */
export function Public(): MethodDecorator & ClassDecorator {
  return IS_PUBLIC();
}
