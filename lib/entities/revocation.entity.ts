import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './epoch-ms.transformer.js';

/**
 * Revocation notices for value tokens, read by every instance every
 * `revocationPollInterval`. Table `ns_revocations`. See `RevocationNotice`.
 */
@Entity({ name: 'ns_revocations' })
export class RevocationEntity {
  /** Notice id. */
  @PrimaryColumn({ type: 'varchar', length: 32, primaryKeyConstraintName: 'pk_ns_revocations' })
  id!: string;

  /** `session`, `user` or `all`. */
  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  /** The session (`session` notices). */
  @Column({ name: 'session_id', type: 'varchar', length: 32, nullable: true })
  sessionId!: string | null;

  /** The user (`session` and `user` notices). */
  @Column({ name: 'user_id', type: 'varchar', length: 255, nullable: true })
  userId!: string | null;

  /** The user's new epoch (`user` notices). */
  @Column({ type: 'int', nullable: true })
  epoch!: number | null;

  /** The session kept (`user` notices). */
  @Column({ name: 'keep_session_id', type: 'varchar', length: 32, nullable: true })
  keepSessionId!: string | null;

  /** When (ms); indexed for polling. */
  @Index('ix_ns_revocations_at')
  @Column({ type: 'bigint', transformer: epochMs })
  at!: number;

  /** When the notice can be forgotten (ms). */
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
