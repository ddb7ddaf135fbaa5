import { Module } from '@nestjs/common';
import { UserService } from 'nest-sessions';

/**
 * Provides the library's `UserService` (users, passwords, permissions on the library's
 * entities). It injects the TypeORM `DataSource` and the `SessionModule`'s exports, both
 * registered globally by `AppModule`.
 */
@Module({
  providers: [UserService],
  exports: [UserService],
})
export class UsersModule {}
