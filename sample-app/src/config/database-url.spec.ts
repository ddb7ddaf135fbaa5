import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:./data/chirp.sqlite', { kind: 'sqlite', file: './data/chirp.sqlite' }],
    ['sqlite::memory:', { kind: 'sqlite', file: ':memory:' }],
    ['sqlite:///var/lib/chirp.sqlite', { kind: 'sqlite', file: '/var/lib/chirp.sqlite' }],
    [
      'postgres://postgres@127.0.0.1:5432/t_1',
      {
        kind: 'postgres',
        host: '127.0.0.1',
        port: 5432,
        username: 'postgres',
        password: undefined,
        database: 't_1',
      },
    ],
    [
      'postgresql://db/chirp',
      {
        kind: 'postgres',
        host: 'db',
        port: 5432,
        username: undefined,
        password: undefined,
        database: 'chirp',
      },
    ],
    [
      'mysql://root:p%3Ass@[::1]/chirp',
      {
        kind: 'mariadb',
        host: '::1',
        port: 3306,
        username: 'root',
        password: 'p:ss',
        database: 'chirp',
      },
    ],
    [
      'mariadb://root@db:3307/chirp',
      {
        kind: 'mariadb',
        host: 'db',
        port: 3307,
        username: 'root',
        password: undefined,
        database: 'chirp',
      },
    ],
  ])('parses %s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });
});

describe('redactDatabaseUrl', () => {
  it('hides passwords and leaves the rest', () => {
    expect(redactDatabaseUrl('postgres://chirp:s3cret@db:5432/chirp')).toBe(
      'postgres://chirp:***@db:5432/chirp',
    );
    expect(redactDatabaseUrl('mysql://root@db/chirp')).toBe('mysql://root@db/chirp');
    expect(redactDatabaseUrl('sqlite:./data/chirp.sqlite')).toBe('sqlite:./data/chirp.sqlite');
  });
});
