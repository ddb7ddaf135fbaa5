import type { MigrationInterface } from 'typeorm';
import { CreateSessionTables1764201600000 } from './1764201600000-create-session-tables.js';
import { CreateRevocationTable1764288000000 } from './1764288000000-create-revocation-table.js';

export { CreateSessionTables1764201600000, CreateRevocationTable1764288000000 };

/**
 * The library's migrations, in order, for your `DataSource`'s `migrations`. They use
 * TypeORM's portable schema API and run on SQLite, PostgreSQL and MySQL/MariaDB.
 *
 * @example
 * new DataSource({ ..., entities: [...SESSION_ENTITIES], migrations: [...SESSION_MIGRATIONS], migrationsRun: true })
 */
export const SESSION_MIGRATIONS: Array<new () => MigrationInterface> = [
  CreateSessionTables1764201600000,
  CreateRevocationTable1764288000000,
];
