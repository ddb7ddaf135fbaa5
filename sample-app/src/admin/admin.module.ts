import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminSessionsController } from './admin-sessions.controller.js';
import { AdminUsersController } from './admin-users.controller.js';

/** `/admin/*`: user administration and incident response, for holders of `users:manage`. */
@Module({
  imports: [UsersModule, AuthModule],
  controllers: [AdminUsersController, AdminSessionsController],
})
export class AdminModule {}
