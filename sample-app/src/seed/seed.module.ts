import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { DemoUsersSeeder } from './demo-users.seeder.js';

/** Creates the demo users at start-up. */
@Module({
  imports: [UsersModule],
  providers: [DemoUsersSeeder],
  exports: [DemoUsersSeeder],
})
export class SeedModule {}
