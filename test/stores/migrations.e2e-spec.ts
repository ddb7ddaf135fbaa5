import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { SESSION_ENTITIES, SESSION_MIGRATIONS } from '../../lib/index.js';
import {
  createTestDatabase,
  describeOnDialect,
  SQL_DIALECTS,
  type TestDatabase,
} from '../support/databases.js';

describe.each(SQL_DIALECTS)('SESSION_MIGRATIONS on %s', (dialect) => {
  describeOnDialect(dialect)(`(${dialect})`, () => {
    let database: TestDatabase;
    let dataSource: DataSource;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      dataSource = new DataSource({
        ...database.options,
        entities: [...SESSION_ENTITIES],
        migrations: [...SESSION_MIGRATIONS],
      });
      await dataSource.initialize();
    });

    afterAll(async () => {
      await dataSource?.destroy();
      await database?.drop();
    });

    it('creates a schema identical to the entities, and drops it again', async () => {
      const applied = await dataSource.runMigrations();
      expect(applied.map((m) => m.name)).toEqual(SESSION_MIGRATIONS.map((M) => new M().name));

      // The schema builder compares the live schema with the entity metadata: nothing may differ.
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);

      for (let i = 0; i < SESSION_MIGRATIONS.length; i++) await dataSource.undoLastMigration();
      const runner = dataSource.createQueryRunner();
      try {
        for (const table of ['ns_users', 'ns_sessions', 'ns_refresh_tokens', 'ns_revocations']) {
          expect(await runner.hasTable(table)).toBe(false);
        }
      } finally {
        await runner.release();
      }
    });
  });
});
