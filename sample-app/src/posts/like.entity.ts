import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';
import type { UserEntity } from 'nest-sessions';
import { epochMs } from './epoch-ms.transformer.js';
import type { PostEntity } from './post.entity.js';

/**
 * One user's like of one post. Table `chirp_likes`. The primary key (post, user) is what
 * makes liking twice count once, even for two simultaneous requests.
 */
@Entity({ name: 'chirp_likes' })
export class LikeEntity {
  /** The liked post. */
  @PrimaryColumn({ name: 'post_id', type: 'integer' })
  postId!: number;

  /** The user who liked it. */
  @Index('ix_chirp_likes_user_id')
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** When (ms since the Unix epoch). */
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** The post. Deleting it deletes its likes. */
  @ManyToOne('PostEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'post_id', foreignKeyConstraintName: 'fk_chirp_likes_post_id' })
  post?: Relation<PostEntity>;

  /** The user. Deleting the user deletes their likes. */
  @ManyToOne('UserEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_chirp_likes_user_id' })
  user?: Relation<UserEntity>;
}
