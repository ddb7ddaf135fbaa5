import { ChirpConfigError } from './chirp-config.error.js';

/** A SQLite database: a file, or `:memory:`. */
export interface SqliteTarget {
  readonly kind: 'sqlite';
  /** File path (relative to the working directory) or `':memory:'`. */
  readonly file: string;
}

/** A PostgreSQL or MariaDB/MySQL server. */
export interface ServerTarget {
  readonly kind: 'postgres' | 'mariadb';
  readonly host: string;
  readonly port: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly database: string;
}

/** Where Chirp keeps its data, parsed from `DATABASE_URL`. */
export type DatabaseTarget = SqliteTarget | ServerTarget;

const VARIABLE = 'DATABASE_URL';

const EXAMPLES =
  'use sqlite:<file>, sqlite::memory:, postgres://user:password@host:5432/db or mysql://user:password@host:3306/db';

function parseSqlite(url: string): SqliteTarget {
  let file = url.slice('sqlite:'.length);
  if (file.startsWith('//')) file = file.slice(2); // sqlite://relative or sqlite:///absolute
  if (file === '')
    throw new ChirpConfigError(VARIABLE, `no file in ${JSON.stringify(url)} (${EXAMPLES})`);
  if (file.includes('\0'))
    throw new ChirpConfigError(VARIABLE, 'the file name contains a NUL byte');
  return { kind: 'sqlite', file };
}

function parseServer(url: string, kind: ServerTarget['kind'], defaultPort: number): ServerTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ChirpConfigError(
      VARIABLE,
      `${redactDatabaseUrl(url)} is not a valid URL (${EXAMPLES})`,
    );
  }
  const shown = redactDatabaseUrl(url);
  if (parsed.hostname === '') throw new ChirpConfigError(VARIABLE, `no host in ${shown}`);
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new ChirpConfigError(
      VARIABLE,
      `query strings and fragments are not supported (in ${shown})`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw new ChirpConfigError(VARIABLE, `name one database in the path of ${shown}, e.g. …/chirp`);
  }
  return {
    kind,
    // WHATWG URL keeps IPv6 literals in brackets; drivers want them bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? defaultPort : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    database,
  };
}

/**
 * Parses `DATABASE_URL`: `sqlite:<file>`, `sqlite::memory:`, `postgres://…` (or
 * `postgresql://…`), `mysql://…` (or `mariadb://…`).
 * @throws ChirpConfigError naming `DATABASE_URL` for anything else.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const scheme = url.slice(0, Math.max(0, url.indexOf(':'))).toLowerCase();
  switch (scheme) {
    case 'sqlite':
      return parseSqlite(url);
    case 'postgres':
    case 'postgresql':
      return parseServer(url, 'postgres', 5432);
    case 'mysql':
    case 'mariadb':
      return parseServer(url, 'mariadb', 3306);
    default:
      throw new ChirpConfigError(
        VARIABLE,
        `unsupported database ${JSON.stringify(redactDatabaseUrl(url))} (${EXAMPLES})`,
      );
  }
}

/**
 * `url` with any password replaced by `***`, for messages and logs.
 *
 * @example
 * redactDatabaseUrl('postgres://chirp:s3cret@db:5432/chirp') // 'postgres://chirp:***@db:5432/chirp'
 */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
