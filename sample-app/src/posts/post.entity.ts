import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import type { UserEntity } from 'nest-sessions';
import { epochMs } from './epoch-ms.transformer.js';

/** Longest post, in characters. */
export const MAX_POST_LENGTH = 280;

/** A post ("chirp"). Table `chirp_posts`, created by the `CreateChirpPosts` migration. */
@Entity({ name: 'chirp_posts' })
export class PostEntity {
  /** Sequential id, shown in URLs (`/posts/42`). */
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  /** The author's user id; the ownership check compares it with the caller's. */
  @Index('ix_chirp_posts_author_id')
  @Column({ name: 'author_id', type: 'varchar', length: 36 })
  authorId!: string;

  /** The text, 1–280 characters. */
  @Column({ type: 'varchar', length: MAX_POST_LENGTH })
  text!: string;

  /** When it was posted (ms since the Unix epoch). */
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** The author. Deleting a user deletes their posts. */
  @ManyToOne('UserEntity', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'author_id', foreignKeyConstraintName: 'fk_chirp_posts_author_id' })
  author?: Relation<UserEntity>;
}
