import { Injectable } from '@nestjs/common';
import { InvalidTokenException } from 'nest-sessions';
import { DataSource } from 'typeorm';
import { constraintViolation } from '../common/constraint-violation.js';
import { LikeEntity } from './like.entity.js';
import { PostEntity } from './post.entity.js';
import type { PostView } from './post-view.js';

/** Largest id a post can have (the `integer` column's range). */
const MAX_POST_ID = 2_147_483_647;

/**
 * The post id in a route parameter, or `null` if it cannot name a post (not a plain
 * positive decimal integer in range): such an id is simply "no such post".
 */
export function parsePostId(raw: string | undefined): number | null {
  if (raw === undefined || !/^[1-9]\d{0,9}$/.test(raw)) return null;
  const id = Number(raw);
  return id <= MAX_POST_ID ? id : null;
}

/** What {@link PostsService.like} did: the post's new like count, or what was missing. */
export type LikeOutcome = { readonly likes: number } | { readonly missing: 'post' | 'user' };

/** Posts and likes. */
@Injectable()
export class PostsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Every post with its like count, newest first. */
  async list(): Promise<PostView[]> {
    const rows = await this.dataSource
      .getRepository(PostEntity)
      .createQueryBuilder('post')
      .leftJoin(LikeEntity, 'pl', 'pl.postId = post.id')
      .select('post.id', 'id')
      .addSelect('post.authorId', 'authorId')
      .addSelect('post.text', 'text')
      .addSelect('COUNT(pl.userId)', 'likes')
      .groupBy('post.id')
      .addGroupBy('post.authorId')
      .addGroupBy('post.text')
      .orderBy('post.id', 'DESC')
      .getRawMany<{ id: unknown; authorId: unknown; text: unknown; likes: unknown }>();
    return rows.map((row) => ({
      id: Number(row.id),
      authorId: String(row.authorId),
      text: String(row.text),
      likes: Number(row.likes),
    }));
  }

  /** The post with this id, or `null`. */
  findById(id: number): Promise<PostEntity | null> {
    return this.dataSource.getRepository(PostEntity).findOneBy({ id });
  }

  /** Publishes a post. */
  async create(authorId: string, text: string): Promise<PostView> {
    let post: PostEntity;
    try {
      post = await this.dataSource
        .getRepository(PostEntity)
        .save(Object.assign(new PostEntity(), { authorId, text, createdAt: Date.now() }));
    } catch (error) {
      // The caller's user row is gone (deleted behind the library's back): not a valid caller.
      if (constraintViolation(error) === 'foreign-key') throw new InvalidTokenException();
      throw error;
    }
    return { id: post.id, authorId: post.authorId, text: post.text, likes: 0 };
  }

  /**
   * Records that `userId` likes post `postId`; liking again changes nothing. Two
   * simultaneous likes are settled by the (post, user) primary key: the loser's insert
   * fails as a duplicate, which is fine.
   * @returns the post's like count, or what is missing: the post, or the user (a token that
   * outlived its user, or one signed with the real key for a user that never existed).
   */
  async like(postId: number, userId: string): Promise<LikeOutcome> {
    const posts = this.dataSource.getRepository(PostEntity);
    if (!(await posts.existsBy({ id: postId }))) return { missing: 'post' };
    try {
      await this.dataSource
        .getRepository(LikeEntity)
        .insert({ postId, userId, createdAt: Date.now() });
    } catch (error) {
      const violation = constraintViolation(error);
      if (violation === 'foreign-key') {
        // Either the post was deleted meanwhile or the user does not exist.
        return { missing: (await posts.existsBy({ id: postId })) ? 'user' : 'post' };
      }
      if (violation !== 'unique') throw error;
    }
    return { likes: await this.dataSource.getRepository(LikeEntity).countBy({ postId }) };
  }

  /** Deletes a post and its likes. */
  async delete(post: PostEntity): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(LikeEntity, { postId: post.id });
      await manager.delete(PostEntity, { id: post.id });
    });
  }
}
