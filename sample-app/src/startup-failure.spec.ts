import { QueryFailedError } from 'typeorm';
import { loadChirpConfig } from './config/chirp-config.js';
import { ChirpConfigError } from './config/chirp-config.error.js';
import { describeStartupFailure } from './startup-failure.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('describeStartupFailure', () => {
  const config = loadChirpConfig({ DATABASE_URL: 'postgres://chirp:hunter2@127.0.0.1:1/x' });

  it('prints a configuration error as it is', () => {
    const error = new ChirpConfigError('SESSION_STORE', "'redis' is not supported yet");
    expect(describeStartupFailure(error, 'config', null)).toBe(
      "chirp: SESSION_STORE: 'redis' is not supported yet",
    );
  });

  it('names DATABASE_URL, without its password, when the database is unreachable', () => {
    const error = withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    expect(describeStartupFailure(error, 'database', config)).toBe(
      'chirp: DATABASE_URL: cannot connect to postgres://chirp:***@127.0.0.1:1/x (ECONNREFUSED)',
    );
  });

  it('finds the code inside an AggregateError (IPv4 and IPv6 both refused)', () => {
    const error = new AggregateError([withCode('refused', 'ECONNREFUSED')], 'connect failed');
    expect(describeStartupFailure(error, 'database', config)).toContain('(ECONNREFUSED)');
  });

  it('quotes the server’s reason for a refused login or a missing database', () => {
    const error = withCode('database "x" does not exist', '3D000');
    expect(describeStartupFailure(error, 'database', config)).toBe(
      'chirp: DATABASE_URL: cannot connect to postgres://chirp:***@127.0.0.1:1/x (3D000: database "x" does not exist)',
    );
  });

  it('reports a failed query (e.g. a migration) as a database error', () => {
    const driverError = withCode('relation "ns_users" does not exist', '42P01');
    const error = new QueryFailedError('CREATE TABLE …', [], driverError);
    expect(describeStartupFailure(error, 'database', config)).toMatch(
      /^chirp: DATABASE_URL: database error on postgres:\/\/chirp:\*\*\*@127\.0\.0\.1:1\/x \(42P01: /,
    );
  });

  it('names PORT when it cannot listen', () => {
    const error = withCode('listen EADDRINUSE: address already in use :::3000', 'EADDRINUSE');
    expect(describeStartupFailure(error, 'listen', loadChirpConfig({}))).toBe(
      'chirp: PORT: cannot listen on port 3000 (EADDRINUSE)',
    );
  });

  it('keeps anything else to one line, no stack', () => {
    const error = new Error(
      'Nest can’t resolve dependencies\n    at Injector.lookup (injector.js:1:1)',
    );
    const line = describeStartupFailure(error, 'database', config);
    expect(line).toBe('chirp: start-up failed: Nest can’t resolve dependencies');
  });

  it('never prints the database password', () => {
    for (const phase of ['database', 'listen'] as const) {
      const line = describeStartupFailure(withCode('x', 'ECONNREFUSED'), phase, config);
      expect(line).not.toContain('hunter2');
    }
  });
});
