import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { UserService, UsernameTakenException } from 'nest-sessions';
import type { ChirpConfig } from '../config/chirp-config.js';
import { CHIRP_CONFIG } from '../config/chirp-config.module.js';
import { DEMO_USERS, type DemoUser } from './demo-users.js';

/** What the seeder found or did for one demo user. */
export interface SeededUser {
  readonly username: string;
  /** The user's granted permissions now (an admin may have changed them since). */
  readonly permissions: readonly string[];
  /** Whether this start-up created the user. */
  readonly created: boolean;
}

/**
 * Creates the demo users (alice, bob, mod, admin) at start-up when they are missing,
 * unless `DEMO_USERS=false`. Existing users are left as they are: restarting never
 * resets a password or permissions.
 */
@Injectable()
export class DemoUsersSeeder implements OnApplicationBootstrap {
  private seeded: SeededUser[] = [];

  constructor(
    private readonly users: UserService,
    @Inject(CHIRP_CONFIG) private readonly config: ChirpConfig,
  ) {}

  /** Seeds before the app starts listening. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoUsers) return;
    this.seeded = [];
    for (const demo of DEMO_USERS) this.seeded.push(await this.seed(demo));
  }

  /** The demo users as of start-up (empty with `DEMO_USERS=false`). */
  results(): readonly SeededUser[] {
    return this.seeded;
  }

  private async seed(demo: DemoUser): Promise<SeededUser> {
    const existing = await this.users.findByUsername(demo.username);
    if (!existing) {
      try {
        await this.users.register({
          username: demo.username,
          password: this.config.demoPassword,
          permissions: demo.permissions,
        });
        return {
          username: demo.username,
          permissions: [...demo.permissions].sort(),
          created: true,
        };
      } catch (error) {
        // Another instance seeding the same database won the race: fine.
        if (!(error instanceof UsernameTakenException)) throw error;
      }
    }
    const user = existing ?? (await this.users.findByUsername(demo.username));
    const permissions = user ? await this.users.getPermissions(user.id) : [];
    return { username: demo.username, permissions, created: false };
  }
}
