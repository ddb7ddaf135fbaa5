import { ArrayMaxSize, IsArray, IsIn } from 'class-validator';
import { CHIRP_PERMISSIONS } from '../../permissions/chirp-permissions.js';

/** Body of `PUT /admin/users/:id/permissions`. */
export class SetPermissionsDto {
  /** The user's complete new set of permissions (duplicates are merged); `[]` removes all. */
  @IsArray({ message: 'permissions must be an array' })
  @ArrayMaxSize(CHIRP_PERMISSIONS.length * 4, { message: 'permissions has too many entries' })
  @IsIn(CHIRP_PERMISSIONS, {
    each: true,
    message: `each value in permissions must be one of: ${CHIRP_PERMISSIONS.join(', ')}`,
  })
  permissions!: string[];
}
