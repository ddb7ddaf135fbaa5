import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './epoch-ms.transformer.js';

/**
 * A session as `TypeOrmSessionStore` keeps it. Table `ns_sessions`. Holds token hashes
 * only; see `SessionRecord` for the meaning of each column.
 */
@Entity({ name: 'ns_sessions' })
export class SessionEntity {
  /** Session id (22 base64url characters). */
  @PrimaryColumn({ type: 'varchar', length: 32, primaryKeyConstraintName: 'pk_ns_sessions' })
  id!: string;

  /** The session's user (any string id; no foreign key, so apps may keep their own users). */
  @Index('ix_ns_sessions_user_id')
  @Column({ name: 'user_id', type: 'varchar', length: 255 })
  userId!: string;

  /** SHA-256 hex of the current reference access token; `null` for value tokens. */
  @Index('ux_ns_sessions_access_hash', { unique: true })
  @Column({ name: 'access_hash', type: 'varchar', length: 64, nullable: true })
  accessHash!: string | null;

  /** SHA-256 hex of the current refresh token. */
  @Column({ name: 'refresh_hash', type: 'varchar', length: 64 })
  refreshHash!: string;

  /** SHA-256 hex of the refresh token spent at the last rotation. */
  @Column({ name: 'previous_refresh_hash', type: 'varchar', length: 64, nullable: true })
  previousRefreshHash!: string | null;

  /** Time of the last rotation (ms). */
  @Column({ name: 'rotated_at', type: 'bigint', nullable: true, transformer: epochMs })
  rotatedAt!: number | null;

  /** The last rotation's pair, sealed under the spent refresh token. */
  @Column({ type: 'text', nullable: true })
  successor!: string | null;

  /** The user's revocation epoch when the session was created or kept. */
  @Column({ type: 'int' })
  epoch!: number;

  /** Login time (ms). */
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** Last recorded activity (ms). */
  @Column({ name: 'last_active_at', type: 'bigint', transformer: epochMs })
  lastActiveAt!: number;

  /** Absolute end (ms); indexed for the sweep. */
  @Index('ix_ns_sessions_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  /** `User-Agent` at login. */
  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent!: string | null;

  /** Client IP at login. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;
}
