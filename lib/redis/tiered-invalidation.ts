import type { LoggerService } from '@nestjs/common';
import { destroyWhenSettled } from './redis-connection.js';

/**
 * What a write of {@link TieredSessionStore} invalidates, in every layer of every instance.
 * A user-level change (epoch bump, permissions, a login) names the user; a change to one
 * session (rotation, deletion) names the session.
 */
export interface InvalidationScope {
  /** Users all of whose cached sessions are stale. */
  readonly users: readonly string[];
  /** Sessions that are stale, by id. */
  readonly sessions: readonly string[];
  /** Everything is stale (`clear()`, or Redis came back after an outage). */
  readonly all: boolean;
  /** A sweep ran with this `now` (ms): sessions it judged dead are gone. `null` if none. */
  readonly sweep: number | null;
}

/** An invalidation as received on the channel. */
export interface InvalidationMessage {
  /** Its sequence number in Redis (increasing across instances and Redis restarts). */
  readonly sequence: number;
  /** Id of the instance that published it. */
  readonly origin: string;
  /** What it invalidates. */
  readonly scope: InvalidationScope;
}

/** Builds an {@link InvalidationScope}; every field defaults to "nothing". */
export function scopeOf(scope: Partial<InvalidationScope>): InvalidationScope {
  return { users: [], sessions: [], all: false, sweep: null, ...scope };
}

/**
 * The channel payload after the sequence number: compact JSON `{o, u, s, a, w}`.
 * The Lua script prepends `<sequence>|`.
 */
export function encodeScope(origin: string, scope: InvalidationScope): string {
  return JSON.stringify({
    o: origin,
    u: scope.users,
    s: scope.sessions,
    a: scope.all ? 1 : 0,
    w: scope.sweep,
  });
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Parses `<sequence>|<json>`; `null` for anything else (never throws). */
export function decodeMessage(message: string): InvalidationMessage | null {
  const bar = message.indexOf('|');
  if (bar <= 0) return null;
  const sequence = Number(message.slice(0, bar));
  if (!Number.isSafeInteger(sequence)) return null;
  try {
    const body = JSON.parse(message.slice(bar + 1)) as Record<string, unknown>;
    return {
      sequence,
      origin: typeof body.o === 'string' ? body.o : '',
      scope: {
        users: strings(body.u),
        sessions: strings(body.s),
        all: body.a === 1,
        sweep: typeof body.w === 'number' ? body.w : null,
      },
    };
  } catch {
    return null;
  }
}

/**
 * The part of a node-redis v5 client that {@link TieredInvalidationListener} uses: a
 * connection dedicated to pub/sub. `RedisClientType` (from `createClient()`) satisfies it.
 */
export interface TieredRedisSubscriber {
  /** Whether the socket is open (connected or reconnecting). */
  readonly isOpen: boolean;
  /** Whether the connection is ready for commands. */
  readonly isReady: boolean;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Subscribes `listener` to `channels`. */
  subscribe(
    channels: string[],
    listener: (message: string, channel: string) => unknown,
  ): Promise<void>;
  /** Removes `listener` from `channels`. */
  unsubscribe(
    channels: string[],
    listener: (message: string, channel: string) => unknown,
  ): Promise<void>;
  /** Connection events: `ready`, `end`, `error`, `reconnecting`. */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Removes an event listener. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Closes the connection at once. */
  destroy(): void;
}

/** Options of {@link TieredInvalidationListener}. */
export interface TieredInvalidationListenerOptions {
  /** The pub/sub connection. */
  readonly subscriber: TieredRedisSubscriber;
  /** Whether the listener opened the connection and must close it. */
  readonly ownsSubscriber: boolean;
  /** Channel of invalidations, shared by every instance. */
  readonly channel: string;
  /** Channel of this instance's own heartbeats. */
  readonly heartbeatChannel: string;
  /** ms between heartbeats. */
  readonly heartbeatInterval: number;
  /** Publishes `payload` on the heartbeat channel; resolves `false` if Redis did not take it. */
  readonly publishHeartbeat: (payload: string) => Promise<boolean>;
  /** Applies a received invalidation. */
  readonly onInvalidation: (message: InvalidationMessage) => void;
  /** The local layer may have missed invalidations: drop it. */
  readonly onDesync: () => void;
  /** Where to log. */
  readonly logger: Pick<LoggerService, 'warn' | 'log'> & Partial<Pick<LoggerService, 'debug'>>;
}

/**
 * Keeps one instance's in-process layer in sync with every other instance's writes:
 * subscribes to the invalidation channel and proves the subscription alive with heartbeats.
 *
 * Each heartbeat is published (on this instance's own channel, so instances do not hear each
 * other's) through the command connection and received on the subscriber. Redis delivers a
 * subscriber's messages in the order it executed the `PUBLISH`es, so receiving heartbeat `n`
 * proves that every invalidation published before heartbeat `n` was sent has been applied.
 * {@link syncedAt} is the send time of the newest heartbeat received; the local layer serves
 * only while it is at most `3 × heartbeatInterval` old. A disconnect (`error`, `end`,
 * `reconnecting`) desyncs at once; a silent stall desyncs when heartbeats stop arriving.
 * Coming back from a desync drops the whole local layer first.
 *
 * @example
 * const listener = new TieredInvalidationListener({ subscriber, ownsSubscriber: true, ... });
 * await listener.start();
 * if (listener.isSynced(Date.now())) { ...serve from the local layer... }
 */
export class TieredInvalidationListener {
  /** Send time (ms) of the newest heartbeat received; `-Infinity` while out of sync. */
  syncedAt = Number.NEGATIVE_INFINITY;
  /** Greatest invalidation sequence applied so far (0 before the first). */
  appliedSequence = 0;
  /** Invalidations received and applied. */
  received = 0;

  /** Longest gap (ms) between heartbeats that still counts as in sync. */
  readonly syncWindow: number;

  private readonly sent = new Map<number, number>();
  private heartbeats = 0;
  private connecting: Promise<unknown> | null = null;
  private everSynced = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private waiters: ((synced: boolean) => void)[] = [];
  private readonly onMessage = (message: string, channel: string): void => {
    if (channel === this.options.heartbeatChannel) this.heartbeatReceived(message);
    else this.invalidationReceived(message);
  };
  private readonly onDown = (): void => this.desync();
  private readonly onReady = (): void => void this.heartbeat();

  constructor(private readonly options: TieredInvalidationListenerOptions) {
    this.syncWindow = 3 * options.heartbeatInterval;
  }

  /** Whether the local layer may serve at `now` (ms, `Date.now()` clock). */
  isSynced(now: number): boolean {
    return now - this.syncedAt <= this.syncWindow;
  }

  /**
   * Connects (if it owns the connection), subscribes and starts the heartbeats. Resolves once
   * subscribed; the first heartbeat follows at once. Never rejects: failures are logged and the
   * connection's own reconnection retries.
   */
  async start(): Promise<void> {
    const { subscriber, channel, heartbeatChannel, heartbeatInterval, logger } = this.options;
    for (const event of ['error', 'end', 'reconnecting']) subscriber.on(event, this.onDown);
    subscriber.on('ready', this.onReady);
    this.timer = setInterval(() => void this.heartbeat(), heartbeatInterval);
    this.timer.unref();
    try {
      if (!subscriber.isOpen) {
        this.connecting = subscriber.connect();
        await this.connecting;
      }
      if (this.closed) return;
      await subscriber.subscribe([channel, heartbeatChannel], this.onMessage);
      if (!this.closed) await this.heartbeat();
    } catch (error) {
      logger.warn(
        `Invalidation channel not subscribed yet (${(error as Error).message}); ` +
          'the in-process layer stays off until it is',
      );
    }
  }

  /**
   * Resolves `true` once in sync (first heartbeat back), or `false` after `timeout` ms.
   * For start-up and tests; correctness never depends on waiting for it.
   */
  whenSynced(timeout: number): Promise<boolean> {
    if (this.isSynced(Date.now())) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (synced: boolean) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(synced);
      };
      const timer = setTimeout(() => done(false), timeout);
      timer.unref();
      this.waiters.push(done);
    });
  }

  /** Stops heartbeats, unsubscribes, and closes the connection if it owns it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const { subscriber, channel, heartbeatChannel, ownsSubscriber } = this.options;
    // An owned connection keeps an error listener to the end: an unhandled 'error' event
    // would crash the process.
    if (ownsSubscriber) subscriber.on('error', () => undefined);
    for (const event of ['error', 'end', 'reconnecting']) subscriber.off(event, this.onDown);
    subscriber.off('ready', this.onReady);
    this.syncedAt = Number.NEGATIVE_INFINITY;
    for (const wake of [...this.waiters]) wake(false);
    if (ownsSubscriber) {
      await destroyWhenSettled(subscriber, this.connecting, 1_000);
      return;
    }
    if (subscriber.isReady) {
      await subscriber
        .unsubscribe([channel, heartbeatChannel], this.onMessage)
        .catch(() => undefined);
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.closed) return;
    const n = ++this.heartbeats;
    this.sent.set(n, Date.now());
    for (const old of this.sent.keys()) {
      if (old > n - 16) break;
      this.sent.delete(old);
    }
    await this.options.publishHeartbeat(String(n));
  }

  private heartbeatReceived(payload: string): void {
    const n = Number(payload);
    const sentAt = this.sent.get(n);
    if (sentAt === undefined || this.closed) return;
    for (const old of this.sent.keys()) {
      if (old > n) break;
      this.sent.delete(old);
    }
    if (!this.isSynced(Date.now())) {
      // Coming back from a gap: whatever the local layer holds may have missed invalidations.
      this.options.onDesync();
      if (this.everSynced) this.options.logger.debug?.('Invalidation channel in sync again');
      this.everSynced = true;
    }
    this.syncedAt = Math.max(this.syncedAt, sentAt);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake(true);
  }

  private invalidationReceived(payload: string): void {
    const message = decodeMessage(payload);
    if (message === null) return;
    this.received++;
    this.appliedSequence = Math.max(this.appliedSequence, message.sequence);
    this.options.onInvalidation(message);
  }

  /**
   * Stops serving from the local layer until a heartbeat proves the channel alive again
   * (called on disconnects, and by the store when its own Redis calls fail).
   */
  desync(): void {
    if (this.syncedAt === Number.NEGATIVE_INFINITY) return;
    this.syncedAt = Number.NEGATIVE_INFINITY;
    this.options.onDesync();
    this.options.logger.debug?.('Invalidation channel lost: in-process layer off until resync');
  }
}
