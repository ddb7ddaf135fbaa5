import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import {
  SESSION_ENTITIES,
  SESSION_MIGRATIONS,
  SessionConfigurationError,
  TypeOrmSessionStore,
} from '../../lib/index.js';
import {
  createTestDatabase,
  describeOnDialect,
  SQL_DIALECTS,
  type TestDatabase,
} from '../support/databases.js';
import { describeSessionStoreContract } from '../../lib/testing/index.js';

describe.each(SQL_DIALECTS)('TypeOrmSessionStore on %s', (dialect) => {
  describeOnDialect(dialect)(`(${dialect})`, () => {
    let database: TestDatabase;
    let dataSource: DataSource;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      dataSource = new DataSource({
        ...database.options,
        entities: SESSION_ENTITIES,
        migrations: SESSION_MIGRATIONS,
        migrationsRun: true,
      });
      await dataSource.initialize();
    });

    afterAll(async () => {
      await dataSource?.destroy();
      await database?.drop();
    });

    describeSessionStoreContract(`TypeOrmSessionStore (${dialect})`, async () => {
      const store = new TypeOrmSessionStore(dataSource);
      await store.clear();
      await dataSource.query('DELETE FROM ns_session_subjects');
      await dataSource.query('DELETE FROM ns_revocations');
      return { store, teardown: () => Promise.resolve() };
    });

    it('refuses a DataSource without its entities, naming the fix', () => {
      const bare = new DataSource({ ...database.options, entities: [] });
      expect(() => new TypeOrmSessionStore(bare)).toThrow(SessionConfigurationError);
      expect(() => new TypeOrmSessionStore(bare)).toThrow(/SESSION_ENTITIES/);
    });
  });
});
