/**
 * Hashes and verifies passwords. The abstract class is both the contract and the DI
 * token; the default is {@link Argon2PasswordHasher}.
 */
export abstract class PasswordHasher {
  /** A PHC-format hash of `password` with a fresh random salt. */
  abstract hash(password: string): Promise<string>;

  /** Whether `password` matches `hash`. Never throws for a malformed hash: `false`. */
  abstract verify(hash: string, password: string): Promise<boolean>;

  /**
   * Spends the same time as a failed {@link verify}, for logins of unknown users, so that
   * response time does not reveal whether a username exists.
   */
  abstract verifyDummy(password: string): Promise<false>;
}
