import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Put,
} from '@nestjs/common';
import { RequireFreshSession, RequirePermission, UserService } from 'nest-sessions';
import { SetPermissionsDto } from './dto/set-permissions.dto.js';
import type { UserView } from './user-view.js';

/** Shape of the user ids `UserService` creates (UUIDs); anything else names no user. */
const USER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * User administration. The class-level `@RequirePermission('users:manage')` covers every
 * route here, and a method-level requirement could only add to it.
 *
 * `@RequireFreshSession()`: with value tokens the permissions in an access token can be
 * up to `ACCESS_TOKEN_TTL` old, and a session revoked on another instance is only learnt
 * of within a poll interval. Handing out permissions and reading every user's are not
 * things a demoted admin or a revoked session may keep doing meanwhile, so these routes
 * check the session and the current permissions in the store (one read per request).
 */
@RequireFreshSession()
@RequirePermission('users:manage')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: UserService) {}

  /** Every user with their granted permissions, by username. */
  @Get()
  async list(): Promise<UserView[]> {
    const users = await this.users.list();
    return users.map((u) => ({ id: u.id, username: u.username, permissions: u.permissions }));
  }

  /**
   * Replaces a user's permissions. `UserService.setPermissions` updates the permissions
   * in effect for their live sessions too: with reference tokens the change holds from
   * the user's very next request; value tokens carry the old ones until they are
   * refreshed or expire (at most `ACCESS_TOKEN_TTL`), except on fresh-session routes.
   */
  @Put(':id/permissions')
  async setPermissions(@Param('id') id: string, @Body() dto: SetPermissionsDto): Promise<UserView> {
    const user = USER_ID_PATTERN.test(id) ? await this.users.findById(id) : null;
    const permissions = user ? await this.users.setPermissions(user.id, dto.permissions) : null;
    if (!user || !permissions) throw new NotFoundException('User not found');
    return { id: user.id, username: user.username, permissions };
  }

  /**
   * Deletes a user (beyond the contract: the admin's way to remove an account). Their
   * sessions are revoked first, so every token they hold stops working at once. 204, or
   * 404 for no such user.
   */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('id') id: string): Promise<void> {
    const deleted = USER_ID_PATTERN.test(id) && (await this.users.delete(id));
    if (!deleted) throw new NotFoundException('User not found');
  }
}
