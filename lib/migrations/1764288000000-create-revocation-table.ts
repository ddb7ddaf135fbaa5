import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Creates `ns_revocations`, the revocation notices value tokens are checked against. */
export class CreateRevocationTable1764288000000 implements MigrationInterface {
  /** Migration name as TypeORM records it. */
  name = 'CreateRevocationTable1764288000000';

  /** Creates the table. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'ns_revocations',
        columns: [
          {
            name: 'id',
            type: 'varchar',
            length: '32',
            isPrimary: true,
            primaryKeyConstraintName: 'pk_ns_revocations',
          },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'session_id', type: 'varchar', length: '32', isNullable: true },
          { name: 'user_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'epoch', type: 'integer', isNullable: true },
          { name: 'keep_session_id', type: 'varchar', length: '32', isNullable: true },
          { name: 'at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'ix_ns_revocations_at', columnNames: ['at'] })],
      }),
    );
  }

  /** Drops the table. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ns_revocations');
  }
}
