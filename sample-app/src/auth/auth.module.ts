import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthTransport } from './auth-transport.js';
import { SessionsController } from './sessions.controller.js';

/** `/auth/*`: registration, login, refresh, logout, password change, and the caller's sessions. */
@Module({
  imports: [UsersModule],
  controllers: [AuthController, SessionsController],
  providers: [AuthTransport],
})
export class AuthModule {}
