import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per-user state of `TypeOrmSessionStore`: the permissions in effect for the user's
 * sessions and the revocation epoch. Table `ns_session_subjects`.
 */
@Entity({ name: 'ns_session_subjects' })
export class SessionSubjectEntity {
  /** The user. */
  @PrimaryColumn({
    name: 'user_id',
    type: 'varchar',
    length: 255,
    primaryKeyConstraintName: 'pk_ns_session_subjects',
  })
  userId!: string;

  /** Permissions in effect, as a JSON array of strings. */
  @Column({ type: 'text' })
  permissions!: string;

  /** Sessions with a lower epoch are revoked. */
  @Column({ type: 'int', default: 0 })
  epoch!: number;
}
