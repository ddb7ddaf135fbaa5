import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionModule, type SessionModuleOptions } from 'nest-sessions';
import { DataSource } from 'typeorm';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { ChirpConfig } from './config/chirp-config.js';
import { ChirpConfigModule } from './config/chirp-config.module.js';
import { chirpJwtOptions } from './config/jwt-options.js';
import { createSessionStore } from './database/session-store.factory.js';
import { buildTypeOrmOptions } from './database/typeorm-options.js';
import { HealthModule } from './health/health.module.js';
import { JwksModule } from './jwks/jwks.module.js';
import { MeModule } from './me/me.module.js';
import { PostsModule } from './posts/posts.module.js';
import { SeedModule } from './seed/seed.module.js';
import { logSessionEvent } from './security/security-log.js';
import { SecurityModule } from './security/security.module.js';

/**
 * The token strategy and its options. With a secret generated at start-up (value tokens,
 * `JWT_SECRET` unset, not in production) it says so once: the secret itself is never logged.
 */
function strategyOptions(config: ChirpConfig): Pick<SessionModuleOptions, 'strategy' | 'jwt'> {
  if (config.tokenStrategy === 'reference' || !config.jwtKey) return { strategy: 'reference' };
  if (config.jwtKey.kind === 'secret' && config.jwtKey.generated) {
    new Logger('Chirp').warn(
      'JWT_SECRET is not set: value tokens are signed with a random secret generated at ' +
        'start-up, so they will not survive a restart (set JWT_SECRET; it is required in production)',
    );
  }
  return {
    strategy: 'value',
    jwt: chirpJwtOptions({
      key: config.jwtKey,
      accessTokenTtl: config.accessTokenTtl,
      leeway: config.jwtLeeway,
    }),
  };
}

/**
 * Chirp's root module, built from a parsed {@link ChirpConfig}: the database (library
 * tables and Chirp's, migrated at start-up), the session module with the configured
 * token strategy and store, Chirp's guard bound globally (`SecurityModule`: every route needs a session
 * unless `@Public()`), and the feature modules.
 */
@Module({})
export class AppModule {
  /**
   * @example
   * const app = await NestFactory.create(AppModule.forRoot(loadChirpConfig(process.env)));
   */
  static forRoot(config: ChirpConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ChirpConfigModule.forRoot(config),
        TypeOrmModule.forRootAsync({ useFactory: () => buildTypeOrmOptions(config) }),
        SessionModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource): SessionModuleOptions => ({
            ...strategyOptions(config),
            store: createSessionStore(config, dataSource),
            // Reference tokens: ACCESS_TOKEN_TTL is the idle timeout (value tokens: jwt.accessTokenTtl).
            idleTimeout: config.accessTokenTtl * 1000,
            absoluteTimeout: config.sessionTtl * 1000,
            onEvent: logSessionEvent,
            // AUTH_TRANSPORT=cookie: the library's defaults (__Host-session, __Secure-refresh
            // at /auth/refresh, __Host-csrf + X-CSRF-Token, SameSite=Strict).
            ...(config.authTransport === 'cookie' ? { cookies: {} } : {}),
          }),
          isGlobal: true,
        }),
        SecurityModule,
        AuthModule,
        MeModule,
        PostsModule,
        AdminModule,
        HealthModule,
        JwksModule,
        SeedModule,
      ],
    };
  }
}
