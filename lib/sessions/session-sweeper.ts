import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SESSION_OPTIONS, type ResolvedSessionOptions } from '../session-options.resolver.js';
import { StoreGateway } from './store-gateway.js';

/**
 * Deletes expired and revoked sessions every `sweepInterval` ms, so stores do not grow
 * without bound. Expired sessions are already refused at verification, before any sweep;
 * the sweep only reclaims space. The timer is unref'd and cleared on shutdown, and the
 * store is closed after it.
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SessionSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly gateway: StoreGateway,
  ) {}

  /** Starts the timer. */
  onApplicationBootstrap(): void {
    if (this.options.sweepInterval === 0) return;
    this.timer = setInterval(() => void this.sweep(), this.options.sweepInterval);
    this.timer.unref();
  }

  /** Runs one sweep now. @returns sessions deleted (0 if a sweep is already running). */
  async sweep(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      return await this.gateway.run((store) => store.deleteExpired(this.options.clock.now()));
    } catch {
      this.logger.warn('Sweep skipped: session store unavailable');
      return 0;
    } finally {
      this.running = false;
    }
  }

  /** Stops the timer and closes the store. */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.options.store.close();
  }
}
