import { randomBytes } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { serviceAvailable } from './services.js';

/** SQL databases the suites run on. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mariadb';

/** Every dialect, in the order suites report them. */
export const SQL_DIALECTS: readonly SqlDialect[] = ['sqlite', 'postgres', 'mariadb'];

/** Whether `dialect` can run here (SQLite always can). */
export function dialectAvailable(dialect: SqlDialect): boolean {
  return dialect === 'sqlite' || serviceAvailable(dialect);
}

/** A throwaway database: its URL (Chirp's `DATABASE_URL` form) and how to drop it. */
export interface TestDatabase {
  readonly dialect: SqlDialect;
  /** `sqlite::memory:`, `postgres://…/t_xxx` or `mysql://…/t_xxx`. */
  readonly url: string;
  /** TypeORM options for the database (no entities). */
  readonly options: DataSourceOptions;
  /** Drops the database. Call it in `afterAll`. */
  drop(): Promise<void>;
}

async function adminQuery(options: DataSourceOptions, sql: string): Promise<void> {
  const admin = new DataSource(options);
  await admin.initialize();
  try {
    await admin.query(sql);
  } finally {
    await admin.destroy();
  }
}

/**
 * Creates an empty database of `dialect` for one test file, so suites running in
 * parallel never share tables. SQLite databases live in memory.
 */
export async function createTestDatabase(dialect: SqlDialect): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  if (dialect === 'sqlite') {
    return {
      dialect,
      url: 'sqlite::memory:',
      options: { type: 'better-sqlite3', database: ':memory:' },
      drop: () => Promise.resolve(),
    };
  }
  if (dialect === 'postgres') {
    const admin: DataSourceOptions = {
      type: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      username: 'postgres',
      database: 'postgres',
    };
    await adminQuery(admin, `CREATE DATABASE ${name}`);
    return {
      dialect,
      url: `postgres://postgres@127.0.0.1:5432/${name}`,
      options: { ...admin, database: name },
      drop: () => adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  const admin: DataSourceOptions = {
    type: 'mariadb',
    host: '127.0.0.1',
    port: 3306,
    username: 'root',
    password: '',
    database: 'test',
  };
  await adminQuery(admin, `CREATE DATABASE ${name}`);
  return {
    dialect,
    url: `mysql://root@127.0.0.1:3306/${name}`,
    options: { ...admin, database: name },
    drop: () => adminQuery(admin, `DROP DATABASE IF EXISTS ${name}`),
  };
}

/**
 * `describe` when `dialect` is available, otherwise a skipped block and one line saying
 * why. (Unavailable services fail the run in globalSetup when CI=true.)
 */
export function describeOnDialect(dialect: SqlDialect): typeof describe {
  return dialectAvailable(dialect) ? describe : describe.skip;
}
