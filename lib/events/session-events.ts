import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SESSION_OPTIONS, type ResolvedSessionOptions } from '../session-options.resolver.js';
import type { SessionEvent } from './session-event.js';

interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

/**
 * Publishes {@link SessionEvent}s to the `onEvent` option and, when the app registered
 * `EventEmitterModule` from `@nestjs/event-emitter`, to its `EventEmitter2` under the
 * event's type (e.g. `@OnEvent('session.revoked')`).
 */
@Injectable()
export class SessionEvents implements OnModuleInit {
  private readonly logger = new Logger(SessionEvents.name);
  private emitter: Emitter | null = null;

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Finds the app's `EventEmitter2`, if `@nestjs/event-emitter` is installed and registered. */
  async onModuleInit(): Promise<void> {
    try {
      const { EventEmitter2 } = await import('@nestjs/event-emitter');
      this.emitter = this.moduleRef.get(EventEmitter2, { strict: false });
    } catch {
      this.emitter = null; // optional peer not installed or not registered
    }
  }

  /** The current time by the configured clock (ms), for stamping events. */
  now(): number {
    return this.options.clock.now();
  }

  /** Publishes `event`. A failing listener is logged and never fails the request. */
  emit(event: SessionEvent): void {
    try {
      this.options.onEvent?.(event);
      this.emitter?.emit(event.type, event);
    } catch (error) {
      this.logger.error(`A listener of ${event.type} threw: ${(error as Error).message}`);
    }
  }
}
