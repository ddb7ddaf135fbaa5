import { Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { UserEntity } from './user.entity.js';

/** One permission granted to one user, e.g. `posts:delete:own`. Table `ns_user_permissions`. */
@Entity({ name: 'ns_user_permissions' })
export class PermissionEntity {
  /** The user holding the permission. */
  @PrimaryColumn({
    name: 'user_id',
    type: 'varchar',
    length: 36,
    primaryKeyConstraintName: 'pk_ns_user_permissions',
  })
  userId!: string;

  /** The permission name (exact, case-sensitive). */
  @PrimaryColumn({
    type: 'varchar',
    length: 128,
    primaryKeyConstraintName: 'pk_ns_user_permissions',
  })
  name!: string;

  /** The user, for joins. Deleting the user deletes their permissions. */
  @ManyToOne('UserEntity', (user: UserEntity) => user.permissions, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_ns_user_permissions_user' })
  user?: Relation<UserEntity>;
}
