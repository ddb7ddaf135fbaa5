import { Module } from '@nestjs/common';
import { PostOwnership } from './post-ownership.resolver.js';
import { PostsController } from './posts.controller.js';
import { PostsService } from './posts.service.js';

/** `/posts`: reading, posting, liking and deleting posts. */
@Module({
  controllers: [PostsController],
  providers: [PostsService, PostOwnership],
})
export class PostsModule {}
