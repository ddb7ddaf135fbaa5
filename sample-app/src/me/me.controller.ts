import { Body, Controller, Get, NotFoundException, Patch } from '@nestjs/common';
import { CurrentUser, RequirePermission, UserService, type AuthenticatedUser } from 'nest-sessions';
import { UpdateProfileDto } from './dto/update-profile.dto.js';
import type { Profile } from './profile.js';

/**
 * The caller's own profile. There is no `:id` in these routes: a user can only ever
 * read or edit themselves.
 */
@Controller('me')
export class MeController {
  constructor(private readonly users: UserService) {}

  /** Who am I, and what may I do right now. */
  @Get()
  async get(@CurrentUser() user: AuthenticatedUser): Promise<Profile> {
    return this.profile(user, await this.users.findById(user.id));
  }

  /** Changes the caller's display name. */
  @RequirePermission('profile:edit')
  @Patch()
  async update(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: UpdateProfileDto,
  ): Promise<Profile> {
    return this.profile(user, await this.users.updateDisplayName(user.id, dto.displayName));
  }

  private profile(
    user: AuthenticatedUser,
    entity: { id: string; username: string; displayName: string | null } | null,
  ): Profile {
    // A session can outlive its user only if the user row was deleted behind the app's back.
    if (!entity) throw new NotFoundException('User not found');
    return {
      id: entity.id,
      username: entity.username,
      displayName: entity.displayName,
      permissions: [...user.permissions].sort(),
    };
  }
}
