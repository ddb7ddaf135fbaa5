/** The caller's profile, as `GET /me` and `PATCH /me` answer it. */
export interface Profile {
  readonly id: string;
  readonly username: string;
  readonly displayName: string | null;
  /** The permissions in effect for this session, sorted. */
  readonly permissions: string[];
}
