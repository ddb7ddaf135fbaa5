import { ChirpConfigError } from './config/chirp-config.error.js';
import type { ChirpConfig } from './config/chirp-config.js';
import { redactDatabaseUrl } from './config/database-url.js';

/** Where start-up was when it failed. */
export type StartupPhase = 'config' | 'database' | 'listen';

/** Longest reason quoted from an underlying error, in characters. */
const MAX_REASON_LENGTH = 200;

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly driverError?: unknown;
}

/** The first error code (`ECONNREFUSED`, `3D000`, `ER_BAD_DB_ERROR`, …) in the error's chain. */
function errorCode(error: unknown, depth = 0): string | null {
  if (depth > 4 || typeof error !== 'object' || error === null) return null;
  const e = error as ErrorLike;
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  const nested: unknown[] = Array.isArray(e.errors) ? (e.errors as unknown[]) : [];
  const inner = [e.driverError, e.cause, ...nested];
  for (const candidate of inner) {
    const code = errorCode(candidate, depth + 1);
    if (code) return code;
  }
  return null;
}

/** The error's message on one line, shortened. */
function oneLine(error: unknown): string {
  const message =
    typeof (error as ErrorLike | null)?.message === 'string'
      ? String((error as ErrorLike).message)
      : String(error);
  const line = message.split('\n')[0].replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH)}…` : line;
}

/** `ECONNREFUSED` for socket errors; the driver's own words (e.g. "database x does not exist") otherwise. */
function reason(error: unknown, code: string): string {
  return /^E[A-Z0-9_]+$/.test(code) && !code.startsWith('ER_')
    ? code
    : `${code}: ${oneLine(error)}`;
}

/**
 * The single line printed to stderr when Chirp cannot start: the variable at fault,
 * what went wrong, never a stack trace and never a password.
 *
 * @example
 * describeStartupFailure(err, 'database', config)
 * // "chirp: DATABASE_URL: cannot connect to postgres://127.0.0.1:1/x (ECONNREFUSED)"
 */
export function describeStartupFailure(
  error: unknown,
  phase: StartupPhase,
  config: ChirpConfig | null,
): string {
  if (error instanceof ChirpConfigError) return `chirp: ${error.message}`;
  const code = errorCode(error);
  if (phase === 'listen' && config) {
    return `chirp: PORT: cannot listen on port ${config.port} (${code ?? oneLine(error)})`;
  }
  if (phase === 'database' && config && code) {
    const url = redactDatabaseUrl(config.databaseUrl);
    const name = (error as { name?: unknown } | null)?.name;
    if (name === 'QueryFailedError' || code.startsWith('SQLITE_')) {
      return `chirp: DATABASE_URL: database error on ${url} (${code}: ${oneLine(error)})`;
    }
    return `chirp: DATABASE_URL: cannot connect to ${url} (${reason(error, code)})`;
  }
  return `chirp: start-up failed: ${oneLine(error)}`;
}
