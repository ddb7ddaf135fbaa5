import { QueryFailedError } from 'typeorm';

/** Which integrity rule a failed write broke, across SQLite, PostgreSQL and MariaDB. */
export type ConstraintViolation = 'unique' | 'foreign-key' | null;

/**
 * Classifies a failed query: `'unique'` (duplicate key), `'foreign-key'` (missing
 * referenced row), or `null` for anything else (which should propagate).
 */
export function constraintViolation(error: unknown): ConstraintViolation {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: unknown } | undefined;
  const code = typeof driverError?.code === 'string' ? driverError.code : '';
  if (
    code === '23505' ||
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  ) {
    return 'unique';
  }
  if (
    code === '23503' ||
    code === 'ER_NO_REFERENCED_ROW_2' ||
    code === 'ER_NO_REFERENCED_ROW' ||
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  ) {
    return 'foreign-key';
  }
  return null;
}
