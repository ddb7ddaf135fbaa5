import { Inject, Injectable, Logger } from '@nestjs/common';
import { Deadlines } from '../deadlines.js';
import { SessionStoreUnavailableException } from '../exceptions/session-store-unavailable.exception.js';
import { SESSION_OPTIONS, type ResolvedSessionOptions } from '../session-options.resolver.js';
import type { SessionStore } from '../stores/session.store.js';

/**
 * Every store call goes through here: a remote store gets `storeTimeout`, and any
 * failure becomes a 503 ({@link SessionStoreUnavailableException}), never a 401 or 500.
 * An outage is logged once when it starts and once when it ends, not per request.
 */
@Injectable()
export class StoreGateway {
  private readonly logger = new Logger('SessionStore');
  private failing = false;
  private readonly deadlines: Deadlines;

  /** The store behind the gateway. */
  readonly store: SessionStore;

  constructor(@Inject(SESSION_OPTIONS) options: ResolvedSessionOptions) {
    this.store = options.store;
    const { storeTimeout } = options;
    this.deadlines = new Deadlines(
      storeTimeout,
      () => new Error(`no answer within ${storeTimeout} ms`),
    );
  }

  /** Runs `operation` against the store with the timeout and error mapping above. */
  async run<T>(operation: (store: SessionStore) => Promise<T>): Promise<T> {
    try {
      const result = this.store.local
        ? await operation(this.store)
        : await this.deadlines.run(() => operation(this.store));
      if (this.failing) {
        this.failing = false;
        this.logger.log('Session store answers again');
      }
      return result;
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.logger.error(`Session store unavailable: ${(error as Error).message}`);
      }
      throw new SessionStoreUnavailableException();
    }
  }
}
