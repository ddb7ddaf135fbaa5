import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { AdminUsersController } from './admin-users.controller.js';

/** `/admin/*`: user administration, for holders of `users:manage`. */
@Module({
  imports: [UsersModule],
  controllers: [AdminUsersController],
})
export class AdminModule {}
