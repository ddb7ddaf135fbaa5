import { Module } from '@nestjs/common';
import { SessionCookies } from './cookies/session-cookies.js';
import { SessionEvents } from './events/session-events.js';
import { AuthGuard } from './guards/auth.guard.js';
import { ConfigurableSessionModule, SESSION_MODULE_OPTIONS } from './session-module.definition.js';
import type { SessionModuleOptions } from './session-options.interface.js';
import {
  SESSION_OPTIONS,
  resolveSessionOptions,
  type ResolvedSessionOptions,
} from './session-options.resolver.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { SessionService } from './sessions/session.service.js';
import { SessionSweeper } from './sessions/session-sweeper.js';
import { StoreGateway } from './sessions/store-gateway.js';
import { SessionStore } from './stores/session.store.js';
import { JwtTokenService } from './jwt/jwt-token.service.js';
import { ReferenceTokenService } from './tokens/reference-token.service.js';
import { TokenService } from './tokens/token.service.js';

/**
 * Session management for a Nest app: a {@link TokenService} strategy (reference or value
 * tokens, chosen by the `strategy` option at runtime) over a
 * {@link SessionStore}, the {@link AuthGuard}, and {@link SessionService} to list and
 * revoke sessions.
 *
 * Options are validated once at boot (a `SessionConfigurationError` names the option and
 * the fix); the store and strategy are chosen in factories, so `forRootAsync` works the same.
 *
 * @example
 * SessionModule.forRoot({ store: new MemorySessionStore(), globalGuard: true })
 *
 * SessionModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({ store: new TypeOrmSessionStore(dataSource) }),
 * })
 */
@Module({
  providers: [
    {
      provide: SESSION_OPTIONS,
      inject: [SESSION_MODULE_OPTIONS],
      useFactory: (options: SessionModuleOptions): ResolvedSessionOptions =>
        resolveSessionOptions(options),
    },
    {
      provide: SessionStore,
      inject: [SESSION_OPTIONS],
      useFactory: (options: ResolvedSessionOptions): SessionStore => options.store,
    },
    {
      provide: PasswordHasher,
      inject: [SESSION_OPTIONS],
      useFactory: (options: ResolvedSessionOptions): PasswordHasher => options.passwordHasher,
    },
    StoreGateway,
    SessionEvents,
    {
      provide: TokenService,
      inject: [SESSION_OPTIONS, StoreGateway, SessionEvents],
      useFactory: (
        options: ResolvedSessionOptions,
        gateway: StoreGateway,
        events: SessionEvents,
      ): TokenService =>
        options.strategy === 'value'
          ? new JwtTokenService(options, gateway, events)
          : new ReferenceTokenService(options, gateway, events),
    },
    SessionService,
    SessionSweeper,
    AuthGuard,
    SessionCookies,
  ],
  exports: [
    SESSION_OPTIONS,
    SESSION_MODULE_OPTIONS,
    SessionStore,
    PasswordHasher,
    TokenService,
    SessionService,
    SessionEvents,
    AuthGuard,
    SessionCookies,
  ],
})
export class SessionModule extends ConfigurableSessionModule {}
