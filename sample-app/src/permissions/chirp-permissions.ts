/**
 * Every permission Chirp checks. An admin can grant only these; anything else is a typo
 * and answers 400.
 */
export const CHIRP_PERMISSIONS = [
  'posts:create',
  'posts:like',
  'posts:delete:own',
  'posts:delete:any',
  'profile:edit',
  'users:manage',
] as const;

/** One of {@link CHIRP_PERMISSIONS}. */
export type ChirpPermission = (typeof CHIRP_PERMISSIONS)[number];

/** What a regular user may do: alice, bob, and everyone who registers. */
export const MEMBER_PERMISSIONS: readonly ChirpPermission[] = [
  'posts:create',
  'posts:like',
  'posts:delete:own',
  'profile:edit',
];

/** A moderator: a member who may also delete anyone's post. */
export const MODERATOR_PERMISSIONS: readonly ChirpPermission[] = [
  ...MEMBER_PERMISSIONS,
  'posts:delete:any',
];

/** An administrator: a moderator who may also change anyone's permissions. */
export const ADMIN_PERMISSIONS: readonly ChirpPermission[] = [
  ...MODERATOR_PERMISSIONS,
  'users:manage',
];
