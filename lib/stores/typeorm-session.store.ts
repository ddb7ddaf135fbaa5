import type { DataSource, QueryRunner } from 'typeorm';
import { RefreshTokenEntity } from '../entities/refresh-token.entity.js';
import { RevocationEntity } from '../entities/revocation.entity.js';
import { SessionSubjectEntity } from '../entities/session-subject.entity.js';
import { SessionEntity } from '../entities/session.entity.js';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import type { RevocationNotice } from '../jwt/revocation-notice.js';
import type { CreateSessionOptions, CreatedSession } from './session.store.js';
import { SessionStore } from './session.store.js';
import type {
  NewSessionRecord,
  SessionRecord,
  SessionRotation,
  StoredSession,
  SubjectRecord,
  UserSessions,
} from './session-record.js';

type Dialect = 'postgres' | 'mysql' | 'sqlite';
type Row = Record<string, unknown>;

/** Runs SQL inside one transaction. */
interface Tx {
  rows(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** @returns affected rows */
  exec(sql: string, params: readonly unknown[]): Promise<number>;
}

const SESSION_COLUMNS =
  's.id, s.user_id, s.access_hash, s.refresh_hash, s.previous_refresh_hash, s.rotated_at, ' +
  's.successor, s.epoch, s.created_at, s.last_active_at, s.expires_at, s.user_agent, s.ip';

/** Sweep batch size: bounded transactions whatever the backlog. */
const SWEEP_BATCH = 500;

function dialectOf(dataSource: DataSource): Dialect {
  switch (dataSource.options.type) {
    case 'postgres':
      return 'postgres';
    case 'mysql':
    case 'mariadb':
      return 'mysql';
    case 'better-sqlite3':
      return 'sqlite';
    default:
      throw new SessionConfigurationError(
        'store',
        `TypeOrmSessionStore does not support the "${dataSource.options.type}" driver`,
        'use PostgreSQL, MySQL/MariaDB or SQLite (better-sqlite3)',
      );
  }
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function toNullableString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : null;
}

function parsePermissions(text: unknown): string[] {
  try {
    const parsed: unknown = JSON.parse(String(text));
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

function toSession(row: Row): SessionRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    accessHash: toNullableString(row.access_hash),
    refreshHash: String(row.refresh_hash),
    previousRefreshHash: toNullableString(row.previous_refresh_hash),
    rotatedAt: row.rotated_at === null ? null : toNumber(row.rotated_at),
    successor: toNullableString(row.successor),
    epoch: toNumber(row.epoch),
    createdAt: toNumber(row.created_at),
    lastActiveAt: toNumber(row.last_active_at),
    expiresAt: toNumber(row.expires_at),
    userAgent: toNullableString(row.user_agent),
    ip: toNullableString(row.ip),
  };
}

function toStored(row: Row): StoredSession {
  const session = toSession(row);
  return {
    session,
    subject: {
      userId: session.userId,
      permissions: parsePermissions(row.subject_permissions),
      epoch: toNumber(row.subject_epoch),
    },
  };
}

/**
 * Sessions in a SQL database through TypeORM: PostgreSQL, MySQL/MariaDB or SQLite
 * (better-sqlite3). Sessions survive restarts and are shared by every instance using the
 * database (see the README's storage table for the cost per request).
 *
 * Add `SESSION_STORE_ENTITIES` (or all of `SESSION_ENTITIES`) to the `DataSource` and run
 * `SESSION_MIGRATIONS`. Lookups are one indexed, parameterized query each (by token hash,
 * joined with the user's subject row); rotation is a compare-and-swap `UPDATE`, atomic on
 * every database without explicit locks. On SQLite, whose single connection TypeORM shares,
 * writes are serialized in process.
 *
 * @example
 * SessionModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({ store: new TypeOrmSessionStore(dataSource) }),
 * })
 */
export class TypeOrmSessionStore extends SessionStore {
  private readonly dialect: Dialect;
  private readonly sessions: string;
  private readonly subjects: string;
  private readonly refreshTokens: string;
  private readonly revocations: string;
  private writeQueue: Promise<unknown> = Promise.resolve();

  /** @param dataSource an initialized (or about to be) DataSource holding the store's entities. */
  constructor(private readonly dataSource: DataSource) {
    super();
    this.dialect = dialectOf(dataSource);
    for (const entity of [
      SessionEntity,
      SessionSubjectEntity,
      RefreshTokenEntity,
      RevocationEntity,
    ]) {
      if (!dataSource.hasMetadata(entity)) {
        throw new SessionConfigurationError(
          'store',
          `TypeOrmSessionStore needs ${entity.name} in the DataSource's entities`,
          'add ...SESSION_ENTITIES (or ...SESSION_STORE_ENTITIES) to `entities` of your DataSource',
        );
      }
    }
    const table = (entity: new () => object) =>
      dataSource
        .getMetadata(entity)
        .tablePath.split('.')
        .map((part) => dataSource.driver.escape(part))
        .join('.');
    this.sessions = table(SessionEntity);
    this.subjects = table(SessionSubjectEntity);
    this.refreshTokens = table(RefreshTokenEntity);
    this.revocations = table(RevocationEntity);
  }

  /** @inheritdoc */
  create(session: NewSessionRecord, options: CreateSessionOptions): Promise<CreatedSession> {
    return this.write(async (tx) => {
      await tx.exec(this.upsertSubjectSql(), [session.userId, JSON.stringify(options.permissions)]);
      const [subject] = await tx.rows(`SELECT epoch FROM ${this.subjects} WHERE user_id = ?`, [
        session.userId,
      ]);
      const epoch = toNumber(subject.epoch);
      await tx.exec(
        `INSERT INTO ${this.sessions} (id, user_id, access_hash, refresh_hash, previous_refresh_hash, ` +
          'rotated_at, successor, epoch, created_at, last_active_at, expires_at, user_agent, ip) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          session.id,
          session.userId,
          session.accessHash,
          session.refreshHash,
          session.previousRefreshHash,
          session.rotatedAt,
          session.successor,
          epoch,
          session.createdAt,
          session.lastActiveAt,
          session.expiresAt,
          session.userAgent,
          session.ip,
        ],
      );
      await tx.exec(`INSERT INTO ${this.refreshTokens} (hash, session_id) VALUES (?, ?)`, [
        session.refreshHash,
        session.id,
      ]);
      if (options.maxSessions === null) return { epoch, evicted: [] };
      const live = await tx.rows(
        `SELECT id FROM ${this.sessions} WHERE user_id = ? AND id <> ? AND expires_at > ? ` +
          'AND epoch >= ? ORDER BY created_at ASC, id ASC',
        [session.userId, session.id, options.now, epoch],
      );
      // The new session is never evicted, even if another one claims a later createdAt.
      const evicted = live
        .slice(0, Math.max(0, live.length + 1 - options.maxSessions))
        .map((r) => String(r.id));
      await this.deleteSessions(tx, evicted);
      return { epoch, evicted };
    });
  }

  /** @inheritdoc */
  async findByAccessHash(accessHash: string): Promise<StoredSession | null> {
    const rows = await this.read(
      `SELECT ${SESSION_COLUMNS}, j.permissions AS subject_permissions, j.epoch AS subject_epoch ` +
        `FROM ${this.sessions} s JOIN ${this.subjects} j ON j.user_id = s.user_id WHERE s.access_hash = ?`,
      [accessHash],
    );
    return rows.length ? toStored(rows[0]) : null;
  }

  /** @inheritdoc */
  async findByRefreshHash(refreshHash: string): Promise<StoredSession | null> {
    const rows = await this.read(
      `SELECT ${SESSION_COLUMNS}, j.permissions AS subject_permissions, j.epoch AS subject_epoch ` +
        `FROM ${this.refreshTokens} t JOIN ${this.sessions} s ON s.id = t.session_id ` +
        `JOIN ${this.subjects} j ON j.user_id = s.user_id WHERE t.hash = ?`,
      [refreshHash],
    );
    return rows.length ? toStored(rows[0]) : null;
  }

  /** @inheritdoc */
  async findById(sessionId: string): Promise<StoredSession | null> {
    const rows = await this.read(
      `SELECT ${SESSION_COLUMNS}, j.permissions AS subject_permissions, j.epoch AS subject_epoch ` +
        `FROM ${this.sessions} s JOIN ${this.subjects} j ON j.user_id = s.user_id WHERE s.id = ?`,
      [sessionId],
    );
    return rows.length ? toStored(rows[0]) : null;
  }

  /** @inheritdoc */
  async touch(sessionId: string, lastActiveAt: number): Promise<void> {
    await this.write((tx) =>
      tx.exec(
        `UPDATE ${this.sessions} SET last_active_at = ? WHERE id = ? AND last_active_at < ?`,
        [lastActiveAt, sessionId, lastActiveAt],
      ),
    );
  }

  /** @inheritdoc */
  rotate(
    sessionId: string,
    expectedRefreshHash: string,
    rotation: SessionRotation,
  ): Promise<boolean> {
    return this.write(async (tx) => {
      const swapped = await tx.exec(
        `UPDATE ${this.sessions} SET access_hash = ?, refresh_hash = ?, previous_refresh_hash = ?, ` +
          'rotated_at = ?, successor = ?, ' +
          'last_active_at = CASE WHEN last_active_at > ? THEN last_active_at ELSE ? END ' +
          'WHERE id = ? AND refresh_hash = ?',
        [
          rotation.accessHash,
          rotation.refreshHash,
          expectedRefreshHash,
          rotation.rotatedAt,
          rotation.successor,
          rotation.rotatedAt,
          rotation.rotatedAt,
          sessionId,
          expectedRefreshHash,
        ],
      );
      if (swapped !== 1) return false;
      await tx.exec(`INSERT INTO ${this.refreshTokens} (hash, session_id) VALUES (?, ?)`, [
        rotation.refreshHash,
        sessionId,
      ]);
      return true;
    });
  }

  /** @inheritdoc */
  delete(sessionId: string): Promise<boolean> {
    return this.write(async (tx) => (await this.deleteSessions(tx, [sessionId])) > 0);
  }

  /** @inheritdoc */
  revokeAll(userId: string, keepSessionId: string | null): Promise<number | null> {
    return this.write(async (tx) => {
      // The UPDATE takes the subject row's lock (PostgreSQL, MySQL) until commit, so
      // concurrent revocations and logins of this user are ordered behind it.
      const bumped = await tx.exec(
        `UPDATE ${this.subjects} SET epoch = epoch + 1 WHERE user_id = ?`,
        [userId],
      );
      if (bumped === 0) return null;
      const [subject] = await tx.rows(`SELECT epoch FROM ${this.subjects} WHERE user_id = ?`, [
        userId,
      ]);
      const epoch = toNumber(subject.epoch);
      if (keepSessionId !== null) {
        await tx.exec(
          `UPDATE ${this.sessions} SET epoch = ? WHERE id = ? AND user_id = ? AND epoch = ?`,
          [epoch, keepSessionId, userId, epoch - 1],
        );
      }
      return epoch;
    });
  }

  /** @inheritdoc */
  async listByUser(userId: string): Promise<UserSessions> {
    const [subjectRows, sessionRows] = await Promise.all([
      this.read(`SELECT permissions, epoch FROM ${this.subjects} WHERE user_id = ?`, [userId]),
      this.read(`SELECT ${SESSION_COLUMNS} FROM ${this.sessions} s WHERE s.user_id = ?`, [userId]),
    ]);
    const subject: SubjectRecord | null = subjectRows.length
      ? {
          userId,
          permissions: parsePermissions(subjectRows[0].permissions),
          epoch: toNumber(subjectRows[0].epoch),
        }
      : null;
    return { subject, sessions: sessionRows.map(toSession) };
  }

  /** @inheritdoc */
  async setPermissions(userId: string, permissions: readonly string[]): Promise<void> {
    await this.write((tx) =>
      tx.exec(this.upsertSubjectSql(), [userId, JSON.stringify(permissions)]),
    );
  }

  /** @inheritdoc */
  async publishRevocation(notice: RevocationNotice): Promise<void> {
    await this.write((tx) =>
      tx.exec(
        `INSERT INTO ${this.revocations} ` +
          '(id, kind, session_id, user_id, epoch, keep_session_id, at, expires_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          notice.id,
          notice.kind,
          notice.kind === 'session' ? notice.sessionId : null,
          notice.kind === 'all' ? null : notice.userId,
          notice.kind === 'user' ? notice.epoch : null,
          notice.kind === 'user' ? notice.keepSessionId : null,
          notice.at,
          notice.expiresAt,
        ],
      ),
    );
  }

  /** @inheritdoc */
  async readRevocations(since: number): Promise<RevocationNotice[]> {
    const rows = await this.read(
      'SELECT id, kind, session_id, user_id, epoch, keep_session_id, at, expires_at ' +
        `FROM ${this.revocations} WHERE at >= ? ORDER BY at ASC`,
      [since],
    );
    return rows.flatMap((row): RevocationNotice[] => {
      const common = {
        id: String(row.id),
        at: toNumber(row.at),
        expiresAt: toNumber(row.expires_at),
      };
      const userId = toNullableString(row.user_id);
      const sessionId = toNullableString(row.session_id);
      if (row.kind === 'session' && sessionId !== null && userId !== null) {
        return [{ kind: 'session', ...common, sessionId, userId }];
      }
      if (row.kind === 'user' && userId !== null && row.epoch !== null) {
        return [
          {
            kind: 'user',
            ...common,
            userId,
            epoch: toNumber(row.epoch),
            keepSessionId: toNullableString(row.keep_session_id),
          },
        ];
      }
      return row.kind === 'all' ? [{ kind: 'all', ...common }] : [];
    });
  }

  /** @inheritdoc */
  async deleteExpired(now: number): Promise<number> {
    await this.write((tx) =>
      tx.exec(`DELETE FROM ${this.revocations} WHERE expires_at <= ?`, [now]),
    );
    let total = 0;
    for (;;) {
      const deleted = await this.write(async (tx) => {
        const rows = await tx.rows(
          `SELECT s.id FROM ${this.sessions} s LEFT JOIN ${this.subjects} j ON j.user_id = s.user_id ` +
            `WHERE s.expires_at <= ? OR j.user_id IS NULL OR s.epoch < j.epoch LIMIT ${SWEEP_BATCH}`,
          [now],
        );
        return this.deleteSessions(
          tx,
          rows.map((r) => String(r.id)),
        );
      });
      total += deleted;
      if (deleted < SWEEP_BATCH) return total;
    }
  }

  /** @inheritdoc */
  async clear(): Promise<void> {
    await this.write(async (tx) => {
      await tx.exec(`DELETE FROM ${this.refreshTokens}`, []);
      await tx.exec(`DELETE FROM ${this.sessions}`, []);
    });
  }

  private async deleteSessions(tx: Tx, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const list = ids.map(() => '?').join(', ');
    await tx.exec(`DELETE FROM ${this.refreshTokens} WHERE session_id IN (${list})`, ids);
    return tx.exec(`DELETE FROM ${this.sessions} WHERE id IN (${list})`, ids);
  }

  private upsertSubjectSql(): string {
    const insert = `INSERT INTO ${this.subjects} (user_id, permissions, epoch) VALUES (?, ?, 0) `;
    return this.dialect === 'mysql'
      ? `${insert}ON DUPLICATE KEY UPDATE permissions = VALUES(permissions)`
      : `${insert}ON CONFLICT (user_id) DO UPDATE SET permissions = excluded.permissions`;
  }

  /** `?` placeholders become `$1…$n` on PostgreSQL. */
  private sql(text: string): string {
    if (this.dialect !== 'postgres') return text;
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  }

  private read(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.dataSource.query<Row[]>(this.sql(sql), [...params]);
  }

  /**
   * Runs `work` in a transaction. SQLite has one connection shared by all of TypeORM,
   * so its transactions are queued here instead of interleaving on it.
   */
  private write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const run = () => this.transaction(work);
    if (this.dialect !== 'sqlite') return run();
    const result = this.writeQueue.then(run, run);
    this.writeQueue = result.catch(() => undefined);
    return result;
  }

  private async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const runner: QueryRunner = this.dataSource.createQueryRunner();
    await runner.connect();
    const tx: Tx = {
      rows: async (sql, params) => (await runner.query(this.sql(sql), [...params])) as Row[],
      exec: async (sql, params) => {
        const result = (await runner.query(this.sql(sql), [...params], true)) as {
          affected?: number;
        };
        return result.affected ?? 0;
      },
    };
    try {
      await runner.startTransaction();
      const result = await work(tx);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }
}
