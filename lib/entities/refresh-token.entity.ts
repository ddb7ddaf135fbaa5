import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Every refresh token issued for a live session, current or spent, by hash. Table
 * `ns_refresh_tokens`. A spent token found here is proof of reuse, which revokes its session.
 */
@Entity({ name: 'ns_refresh_tokens' })
export class RefreshTokenEntity {
  /** SHA-256 hex of the refresh token. */
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'pk_ns_refresh_tokens' })
  hash!: string;

  /** The session it was issued for. */
  @Index('ix_ns_refresh_tokens_session_id')
  @Column({ name: 'session_id', type: 'varchar', length: 32 })
  sessionId!: string;
}
