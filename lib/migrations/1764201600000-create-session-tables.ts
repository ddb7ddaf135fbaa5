import {
  Table,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';

const bigint = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });
const varchar = (name: string, length: number, nullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});

/**
 * Creates the library's tables (`ns_users`, `ns_user_permissions`, `ns_sessions`,
 * `ns_session_subjects`, `ns_refresh_tokens`) with TypeORM's portable schema API, so the
 * same migration runs on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export class CreateSessionTables1764201600000 implements MigrationInterface {
  /** Migration name as TypeORM records it. */
  name = 'CreateSessionTables1764201600000';

  /** Creates the tables and their indexes. */
  async up(queryRunner: QueryRunner): Promise<void> {
    // SQLite keeps booleans as integers; a `false` default would be stored as the text 'false'.
    const falseDefault = queryRunner.connection.options.type === 'better-sqlite3' ? 0 : false;
    await queryRunner.createTable(
      new Table({
        name: 'ns_users',
        columns: [
          { ...varchar('id', 36), isPrimary: true, primaryKeyConstraintName: 'pk_ns_users' },
          varchar('username', 64),
          varchar('password_hash', 255),
          varchar('display_name', 100, true),
          { name: 'disabled', type: 'boolean', default: falseDefault },
          bigint('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'ux_ns_users_username',
            columnNames: ['username'],
            isUnique: true,
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ns_user_permissions',
        columns: [
          {
            ...varchar('user_id', 36),
            isPrimary: true,
            primaryKeyConstraintName: 'pk_ns_user_permissions',
          },
          {
            ...varchar('name', 128),
            isPrimary: true,
            primaryKeyConstraintName: 'pk_ns_user_permissions',
          },
        ],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_ns_user_permissions_user',
            columnNames: ['user_id'],
            referencedTableName: 'ns_users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ns_sessions',
        columns: [
          { ...varchar('id', 32), isPrimary: true, primaryKeyConstraintName: 'pk_ns_sessions' },
          varchar('user_id', 255),
          varchar('access_hash', 64, true),
          varchar('refresh_hash', 64),
          varchar('previous_refresh_hash', 64, true),
          bigint('rotated_at', true),
          { name: 'successor', type: 'text', isNullable: true },
          { name: 'epoch', type: 'integer' },
          bigint('created_at'),
          bigint('last_active_at'),
          bigint('expires_at'),
          varchar('user_agent', 256, true),
          varchar('ip', 64, true),
        ],
        indices: [
          new TableIndex({ name: 'ix_ns_sessions_user_id', columnNames: ['user_id'] }),
          new TableIndex({
            name: 'ux_ns_sessions_access_hash',
            columnNames: ['access_hash'],
            isUnique: true,
          }),
          new TableIndex({ name: 'ix_ns_sessions_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ns_session_subjects',
        columns: [
          {
            ...varchar('user_id', 255),
            isPrimary: true,
            primaryKeyConstraintName: 'pk_ns_session_subjects',
          },
          { name: 'permissions', type: 'text' },
          { name: 'epoch', type: 'integer', default: 0 },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ns_refresh_tokens',
        columns: [
          {
            ...varchar('hash', 64),
            isPrimary: true,
            primaryKeyConstraintName: 'pk_ns_refresh_tokens',
          },
          varchar('session_id', 32),
        ],
        indices: [
          new TableIndex({ name: 'ix_ns_refresh_tokens_session_id', columnNames: ['session_id'] }),
        ],
      }),
    );
  }

  /** Drops the tables. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ns_refresh_tokens');
    await queryRunner.dropTable('ns_session_subjects');
    await queryRunner.dropTable('ns_sessions');
    await queryRunner.dropTable('ns_user_permissions');
    await queryRunner.dropTable('ns_users');
  }
}
