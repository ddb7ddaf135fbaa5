import {
  ADMIN_PERMISSIONS,
  MEMBER_PERMISSIONS,
  MODERATOR_PERMISSIONS,
  type ChirpPermission,
} from '../permissions/chirp-permissions.js';

/** A demo account created at start-up. */
export interface DemoUser {
  readonly username: string;
  readonly permissions: readonly ChirpPermission[];
}

/** The contract's demo users, all with the password from `DEMO_PASSWORD`. */
export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'alice', permissions: MEMBER_PERMISSIONS },
  { username: 'bob', permissions: MEMBER_PERMISSIONS },
  { username: 'mod', permissions: MODERATOR_PERMISSIONS },
  { username: 'admin', permissions: ADMIN_PERMISSIONS },
];
