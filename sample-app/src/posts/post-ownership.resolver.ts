import { Injectable } from '@nestjs/common';
import type { OwnershipContext, OwnershipResolver } from 'nest-sessions';
import type { PostEntity } from './post.entity.js';
import { parsePostId, PostsService } from './posts.service.js';

/**
 * Tells `@RequireOwnership` which post a route acts on and who wrote it. The author
 * comes from the stored post, never from the request.
 */
@Injectable()
export class PostOwnership implements OwnershipResolver<PostEntity> {
  constructor(private readonly posts: PostsService) {}

  /** The post named by `:id`, or `null` (404) if there is none or the id cannot name one. */
  async load({ params }: OwnershipContext): Promise<PostEntity | null> {
    const id = parsePostId(params.id);
    return id === null ? null : this.posts.findById(id);
  }

  /** The post's author. */
  ownerOf(post: PostEntity): string {
    return post.authorId;
  }
}
