import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthTransport } from './auth-transport.js';
import { SessionsController } from './sessions.controller.js';

/**
 * `/auth/*`: registration, login, refresh, logout, password change, and the caller's sessions.
 * Exports `AuthTransport` for other routes that end the caller's session.
 */
@Module({
  imports: [UsersModule],
  controllers: [AuthController, SessionsController],
  providers: [AuthTransport],
  exports: [AuthTransport],
})
export class AuthModule {}
