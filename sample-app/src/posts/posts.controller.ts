import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import {
  CurrentUser,
  OwnedResource,
  Public,
  RequireOwnership,
  RequirePermission,
  type AuthenticatedUser,
} from 'nest-sessions';
import { CreatePostDto } from './dto/create-post.dto.js';
import { PostOwnership } from './post-ownership.resolver.js';
import type { PostView } from './post-view.js';
import type { PostEntity } from './post.entity.js';
import { parsePostId, PostsService } from './posts.service.js';

/**
 * The article's example: anyone reads posts, members post and like, an author deletes
 * their own posts and a moderator anyone's.
 */
@Controller('posts')
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  /** Every post with its like count, newest first. Public. */
  @Public()
  @Get()
  list(): Promise<PostView[]> {
    return this.posts.list();
  }

  /** Publishes a post as the caller. */
  @RequirePermission('posts:create')
  @Post()
  create(@CurrentUser() user: AuthenticatedUser, @Body() dto: CreatePostDto): Promise<PostView> {
    return this.posts.create(user.id, dto.text);
  }

  /** Likes a post (anyone's; liking twice counts once). */
  @RequirePermission('posts:like')
  @Post(':id/like')
  @HttpCode(HttpStatus.OK)
  async like(
    @Param('id') rawId: string,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<{ id: number; likes: number }> {
    const id = parsePostId(rawId);
    if (id === null) throw new NotFoundException('Post not found');
    const outcome = await this.posts.like(id, user.id);
    if ('missing' in outcome) {
      throw new NotFoundException(outcome.missing === 'post' ? 'Post not found' : 'User not found');
    }
    return { id, likes: outcome.likes };
  }

  /**
   * Deletes a post: its author with `posts:delete:own`, or anyone with `posts:delete:any`.
   * The guard loads the post (404 if none), checks ownership (403), and hands it over.
   */
  @RequireOwnership(PostOwnership, { own: 'posts:delete:own', any: 'posts:delete:any' })
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@OwnedResource() post: PostEntity): Promise<void> {
    await this.posts.delete(post);
  }
}
