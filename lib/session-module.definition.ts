import { ConfigurableModuleBuilder } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './guards/auth.guard.js';
import type { SessionModuleExtras, SessionModuleOptions } from './session-options.interface.js';

/**
 * The module's options plumbing: `forRoot` / `forRootAsync`, the raw options token
 * (`SESSION_MODULE_OPTIONS`), and the `isGlobal` / `globalGuard` extras.
 */
export const {
  ConfigurableModuleClass: ConfigurableSessionModule,
  MODULE_OPTIONS_TOKEN: SESSION_MODULE_OPTIONS,
  OPTIONS_TYPE: SESSION_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SESSION_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSessionOptions')
  .setExtras<SessionModuleExtras>(
    { isGlobal: false, globalGuard: false },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal === true,
      providers:
        extras.globalGuard === true
          ? [...(definition.providers ?? []), { provide: APP_GUARD, useClass: AuthGuard }]
          : definition.providers,
    }),
  )
  .build();
