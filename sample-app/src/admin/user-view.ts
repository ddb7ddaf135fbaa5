/** A user as the admin API shows it. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  /** Granted permissions, sorted. */
  readonly permissions: string[];
}
