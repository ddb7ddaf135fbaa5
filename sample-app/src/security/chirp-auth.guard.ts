import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import {
  AuthGuard,
  clientIp,
  InvalidTokenException,
  SessionEvents,
  TokenService,
} from 'nest-sessions';
import type { HeaderTarget } from '../common/set-header.js';
import { CHIRP_CONFIG } from '../config/chirp-config.module.js';
import type { ChirpConfig } from '../config/chirp-config.js';
import { FailureThrottle, INVALID_TOKENS_PER_CLIENT } from './failure-throttle.js';
import { tooManyRequests } from './too-many-requests.js';

function clientKey(request: object): string {
  return `invalid-token:${clientIp(request) ?? 'unknown'}`;
}

/**
 * The library's `AuthGuard`, extended through its protected steps: with `RATE_LIMIT=on`, a
 * client that keeps presenting invalid tokens (guessing) is answered 429 with `Retry-After`
 * for a while, before any token work. Only that client: others, and the same client's
 * public routes, are unaffected. Valid tokens never count.
 */
@Injectable()
export class ChirpAuthGuard extends AuthGuard {
  constructor(
    reflector: Reflector,
    tokens: TokenService,
    moduleRef: ModuleRef,
    events: SessionEvents,
    private readonly throttle: FailureThrottle,
    @Inject(CHIRP_CONFIG) private readonly config: ChirpConfig,
  ) {
    super(reflector, tokens, moduleRef, events);
  }

  /**
   * Refuses blocked clients first, then authenticates and authorizes as the library does;
   * a rejected token is counted against its client, and the one that passes the limit is
   * already answered 429.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.rateLimit || this.isPublic(context)) return super.canActivate(context);
    const http = context.switchToHttp();
    const request = http.getRequest<object>();
    const entry = () => [clientKey(request), INVALID_TOKENS_PER_CLIENT] as const;
    if (this.throttle.mayBlock(INVALID_TOKENS_PER_CLIENT)) {
      const blocked = await this.throttle.blockedFor([entry()]);
      if (blocked > 0) throw tooManyRequests(http.getResponse<HeaderTarget>(), blocked);
    }
    try {
      return await super.canActivate(context);
    } catch (error) {
      // Only a refused token counts: a request without one is not guessing.
      if (!(error instanceof InvalidTokenException) || !error.tokenPresented) throw error;
      const nowBlocked = await this.throttle.recordFailure([entry()]);
      throw nowBlocked > 0 ? tooManyRequests(http.getResponse<HeaderTarget>(), nowBlocked) : error;
    }
  }
}
