import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ChirpAuthGuard } from './chirp-auth.guard.js';
import { FailureThrottle } from './failure-throttle.js';

/**
 * Chirp's guard (the library's `AuthGuard` plus throttling of invalid tokens), bound
 * globally: every route needs a session unless `@Public()`. Also the failure throttle
 * for the login route.
 */
@Global()
@Module({
  providers: [FailureThrottle, { provide: APP_GUARD, useClass: ChirpAuthGuard }],
  exports: [FailureThrottle],
})
export class SecurityModule {}
