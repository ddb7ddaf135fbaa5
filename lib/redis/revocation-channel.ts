import type { LoggerService } from '@nestjs/common';
import { parseRevocationNotice, type RevocationNotice } from '../jwt/revocation-notice.js';
import type { RevocationWatch } from '../stores/session.store.js';
import { destroyWhenSettled } from './redis-connection.js';
import type { TieredRedisSubscriber } from './tiered-invalidation.js';

/** How long closing a watch waits for its own connection to finish opening. */
const SETTLE_MS = 1_000;

/** What {@link watchRevocationChannel} subscribes with. */
export interface RevocationChannelOptions {
  /** The pub/sub connection, connected or not. */
  readonly subscriber: TieredRedisSubscriber;
  /** Whether the watch owns `subscriber` (it then destroys it on close; else it unsubscribes). */
  readonly owned: boolean;
  /** The channel revocation notices are published on (JSON). */
  readonly channel: string;
  /** Receives every well-formed notice. */
  readonly listener: (notice: RevocationNotice) => void;
  /** Where a failed subscription is reported (once). */
  readonly logger: Pick<LoggerService, 'warn'>;
  /** Called when the watch closes. */
  readonly onClose?: () => void;
  /** See `SessionStore.watchRevocations`'s `onSubscribed`. */
  readonly onSubscribed?: () => void;
}

/**
 * Subscribes `listener` to a channel of revocation notices, in the background: it returns at
 * once, connecting `subscriber` first if it is not open. Messages that are not well-formed
 * notices are ignored. If the subscription fails (Redis down at start-up, a proxy without
 * pub/sub) that is logged once and the caller's polling carries on alone; after a
 * reconnection node-redis subscribes again by itself, and `onSubscribed` is called once the
 * subscription is made and again at every reconnection. Internal to the library: the stores'
 * `watchRevocations` build on it.
 *
 * @example
 * const watch = watchRevocationChannel({ subscriber: client.duplicate(), owned: true, channel, listener, logger });
 * await watch.close();
 */
export function watchRevocationChannel(options: RevocationChannelOptions): RevocationWatch {
  const { subscriber, owned, channel, listener, logger } = options;
  const onMessage = (message: string) => {
    const notice = parseRevocationNotice(message);
    if (notice) listener(notice);
  };
  // node-redis reconnects (and subscribes again) by itself; what was published meanwhile is
  // read from the store by the caller (`onSubscribed`) or its next poll.
  const onError = () => undefined;
  subscriber.on('error', onError);
  let closed = false;
  let subscribed = false;
  const onReady = () => {
    if (subscribed && !closed) options.onSubscribed?.();
  };
  subscriber.on('ready', onReady);
  const started = (async () => {
    if (!subscriber.isOpen) await subscriber.connect();
    if (closed) return;
    await subscriber.subscribe([channel], onMessage);
    subscribed = true;
    options.onSubscribed?.();
  })().catch((error: unknown) => {
    if (closed) return;
    logger.warn(
      `Not subscribed to ${channel} (${(error as Error).message}): other instances' ` +
        'revocations arrive by polling only',
    );
  });
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      options.onClose?.();
      // Unsubscribed first, so that Redis has dropped the subscription when this resolves (a
      // destroyed socket is noticed later); bounded, for a Redis that does not answer. Once
      // `closed` is set the watch subscribes no more.
      if (subscriber.isReady || !owned) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          subscriber.unsubscribe([channel], onMessage).catch(() => undefined),
          new Promise((resolve) => (timer = setTimeout(resolve, SETTLE_MS))),
        ]);
        clearTimeout(timer);
      }
      subscriber.off('ready', onReady);
      // Our own connection keeps its error listener: a late error must not go unhandled.
      if (owned) await destroyWhenSettled(subscriber, started, SETTLE_MS);
      else subscriber.off('error', onError);
    },
  };
}

/**
 * The revocation watches a store has open, so that closing the store closes them too.
 * Internal to the library.
 *
 * @example
 * const watch = this.watches.start({ subscriber, owned: true, channel, listener, logger });
 * await this.watches.closeAll(); // in the store's close()
 */
export class RevocationWatches {
  private readonly open = new Set<RevocationWatch>();

  /** Starts a watch ({@link watchRevocationChannel}) and holds it until it is closed. */
  start(options: Omit<RevocationChannelOptions, 'onClose'>): RevocationWatch {
    const watch = watchRevocationChannel({ ...options, onClose: () => this.open.delete(watch) });
    this.open.add(watch);
    return watch;
  }

  /** Closes every watch still open. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((watch) => watch.close()));
  }
}
