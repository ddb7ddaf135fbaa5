import { PermissionEntity } from './permission.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { RevocationEntity } from './revocation.entity.js';
import { SessionSubjectEntity } from './session-subject.entity.js';
import { SessionEntity } from './session.entity.js';
import { UserEntity } from './user.entity.js';

export {
  PermissionEntity,
  RefreshTokenEntity,
  RevocationEntity,
  SessionEntity,
  SessionSubjectEntity,
  UserEntity,
};

/**
 * Every entity of the library, to add to your `DataSource`'s `entities`.
 *
 * @example
 * new DataSource({ type: 'postgres', url, entities: [...SESSION_ENTITIES, Post] })
 */
export const SESSION_ENTITIES: Array<
  | typeof UserEntity
  | typeof PermissionEntity
  | typeof SessionEntity
  | typeof SessionSubjectEntity
  | typeof RefreshTokenEntity
  | typeof RevocationEntity
> = [
  UserEntity,
  PermissionEntity,
  SessionEntity,
  SessionSubjectEntity,
  RefreshTokenEntity,
  RevocationEntity,
];

/** The entities `TypeOrmSessionStore` needs (without users and permissions). */
export const SESSION_STORE_ENTITIES = [
  SessionEntity,
  SessionSubjectEntity,
  RefreshTokenEntity,
  RevocationEntity,
];
