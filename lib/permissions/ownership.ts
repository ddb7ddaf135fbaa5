import type { Type } from '@nestjs/common';
import type { Principal } from '../tokens/token.types.js';

/** What an {@link OwnershipResolver} gets to load the resource a route acts on. */
export interface OwnershipContext {
  /** The route parameters, e.g. `{ id: '42' }` for `DELETE /posts/:id`. */
  readonly params: Readonly<Record<string, string | undefined>>;
  /** The verified caller. */
  readonly principal: Principal;
  /** The raw request (Express or Fastify), for anything else. */
  readonly request: unknown;
}

/**
 * Loads the stored resource a route acts on and says who owns it. Register it as a
 * provider of the module that declares the route; the guard resolves it from there.
 *
 * The owner is always read from the stored resource, never from client input.
 *
 * @example
 * @Injectable()
 * export class PostOwnership implements OwnershipResolver<Post> {
 *   constructor(private readonly posts: PostsService) {}
 *   load({ params }: OwnershipContext) { return this.posts.findById(Number(params.id)); }
 *   ownerOf(post: Post) { return post.authorId; }
 * }
 */
export interface OwnershipResolver<T = unknown> {
  /** The resource, or `null`/`undefined` if there is none (the guard answers 404). */
  load(context: OwnershipContext): Promise<T | null | undefined> | T | null | undefined;
  /** The id of the resource's owner, compared with the caller's user id. */
  ownerOf(resource: T): string | number | null | undefined;
}

/** The permissions of an ownership rule. */
export interface OwnershipRule {
  /** Lets the owner act on their own resource, e.g. `'posts:delete:own'`. */
  readonly own: string;
  /** Lets the holder act on anyone's resource, e.g. `'posts:delete:any'`. */
  readonly any: string;
}

/** Ownership metadata set by `@RequireOwnership`. */
export interface OwnershipRequirement extends OwnershipRule {
  /** The resolver class. */
  readonly resolver: Type<OwnershipResolver>;
}
