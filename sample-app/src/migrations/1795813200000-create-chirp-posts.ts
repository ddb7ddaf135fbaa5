import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Chirp's own tables, `chirp_posts` and `chirp_likes`, written with TypeORM's portable
 * schema API so one migration serves SQLite, PostgreSQL and MariaDB. Runs after the
 * library's `SESSION_MIGRATIONS` (its timestamp is later), because both tables
 * reference `ns_users`.
 */
export class CreateChirpPosts1795813200000 implements MigrationInterface {
  /** Migration name; TypeORM orders migrations by its trailing timestamp. */
  readonly name = 'CreateChirpPosts1795813200000';

  /** Creates both tables with their keys and indexes. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'chirp_posts',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'author_id', type: 'varchar', length: '36' },
          { name: 'text', type: 'varchar', length: '280' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_chirp_posts_author_id', columnNames: ['author_id'] }],
        foreignKeys: [
          {
            name: 'fk_chirp_posts_author_id',
            columnNames: ['author_id'],
            referencedTableName: 'ns_users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'chirp_likes',
        columns: [
          { name: 'post_id', type: 'integer', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_chirp_likes_user_id', columnNames: ['user_id'] }],
        foreignKeys: [
          {
            name: 'fk_chirp_likes_post_id',
            columnNames: ['post_id'],
            referencedTableName: 'chirp_posts',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
          {
            name: 'fk_chirp_likes_user_id',
            columnNames: ['user_id'],
            referencedTableName: 'ns_users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
            onUpdate: 'NO ACTION',
          },
        ],
      }),
    );
  }

  /** Drops both tables. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('chirp_likes');
    await queryRunner.dropTable('chirp_posts');
  }
}
