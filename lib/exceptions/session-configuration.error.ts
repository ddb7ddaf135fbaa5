/** A short, printable form of a bad option value, for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    return Array.isArray(value) ? 'an array' : 'an object';
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return typeof value;
}

/**
 * A programmer error in how the library is configured, thrown once at boot.
 * The message names the option and says what to change.
 *
 * @example
 * // SessionConfigurationError: nest-sessions: option "idleTimeout" must be a positive
 * // number of milliseconds (got -5). Fix: pass e.g. idleTimeout: 15 * 60_000.
 */
export class SessionConfigurationError extends Error {
  /**
   * @param option the offending option, e.g. `"idleTimeout"` or `"jwt.secret"`
   * @param problem what is wrong with it
   * @param fix what to change
   */
  constructor(
    readonly option: string,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`nest-sessions: option "${option}" ${problem}. Fix: ${fix}`);
    this.name = 'SessionConfigurationError';
  }
}
