import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from 'nest-sessions';
import type { ChirpConfig } from '../config/chirp-config.js';
import { CHIRP_CONFIG } from '../config/chirp-config.module.js';

/** `GET /health`'s answer. */
export interface HealthStatus {
  readonly status: 'ok';
  /** The token strategy in use. */
  readonly strategy: ChirpConfig['tokenStrategy'];
  /** The session store in use. */
  readonly store: ChirpConfig['sessionStore'];
}

/** Readiness: answers once the app has started (schema migrated, demo users seeded). */
@Controller('health')
export class HealthController {
  constructor(@Inject(CHIRP_CONFIG) private readonly config: ChirpConfig) {}

  /** `{ status: 'ok', strategy, store }`. Public. */
  @Public()
  @Get()
  get(): HealthStatus {
    return { status: 'ok', strategy: this.config.tokenStrategy, store: this.config.sessionStore };
  }
}
