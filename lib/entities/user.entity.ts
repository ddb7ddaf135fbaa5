import { Column, Entity, Index, OneToMany, PrimaryColumn, type Relation } from 'typeorm';
import { epochMs } from './epoch-ms.transformer.js';
import type { PermissionEntity } from './permission.entity.js';

/**
 * A user account: login name, argon2id password hash, display name. Table `ns_users`.
 * Managed through `UserService`; passwords never leave it.
 */
@Entity({ name: 'ns_users' })
export class UserEntity {
  /** Random UUID v4. */
  @PrimaryColumn({ type: 'varchar', length: 36, primaryKeyConstraintName: 'pk_ns_users' })
  id!: string;

  /** Unique login name. */
  @Index('ux_ns_users_username', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  username!: string;

  /** PHC-format argon2id hash. Never sent to clients. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  /** Name shown to others; `null` until set. */
  @Column({ name: 'display_name', type: 'varchar', length: 100, nullable: true })
  displayName!: string | null;

  /** A disabled user cannot log in, and their sessions are revoked. */
  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** Creation time, ms since the Unix epoch. */
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** The user's granted permissions. */
  @OneToMany('PermissionEntity', (permission: PermissionEntity) => permission.user)
  permissions?: Relation<PermissionEntity>[];
}
