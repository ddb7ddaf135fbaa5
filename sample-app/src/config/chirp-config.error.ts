/**
 * A bad value in Chirp's environment. The message starts with the variable's name and
 * says what is wrong and what would be accepted, so start-up can stop with one clear line.
 *
 * @example
 * new ChirpConfigError('SESSION_STORE', "unknown value 'disk' (use memory, database, redis or tiered)")
 * // message: "SESSION_STORE: unknown value 'disk' (use memory, database, redis or tiered)"
 */
export class ChirpConfigError extends Error {
  /**
   * @param variable the environment variable at fault, e.g. `'DATABASE_URL'`
   * @param problem what is wrong with it, and what to use instead
   */
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ChirpConfigError';
  }
}
