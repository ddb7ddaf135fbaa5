import { Logger } from '@nestjs/common';
import { createClient, createCluster, type RedisArgument } from 'redis';
import { Deadlines } from '../deadlines.js';
import type { RedisScript } from './redis-scripts.js';

/** Per-command options the store passes to node-redis. */
export interface RedisCommandOptions {
  /** Aborted at the command's deadline: node-redis then drops it if it is still unsent. */
  readonly abortSignal?: AbortSignal;
}

/**
 * What the store needs of a standalone node-redis 5 client (`createClient()`): any
 * `RedisClientType` fits, whatever its modules, scripts or RESP version. Keep the default
 * type mapping (strings), and create it with `disableOfflineQueue: true` so that commands
 * fail at once while Redis is down (see {@link createSessionRedisClient}).
 */
export interface StandaloneRedisClient {
  /** node-redis `sendCommand`. */
  sendCommand(args: RedisArgument[], options?: RedisCommandOptions): Promise<unknown>;
}

/** What the store needs of a node-redis 5 cluster client (`createCluster()`). */
export interface ClusterRedisClient {
  /** node-redis cluster `sendCommand`: routed by `firstKey`. */
  sendCommand(
    firstKey: RedisArgument | undefined,
    isReadonly: boolean | undefined,
    args: RedisArgument[],
    options?: RedisCommandOptions,
  ): Promise<unknown>;
  /** The master nodes (for SCAN). */
  readonly masters: readonly object[];
  /** The client of one node. */
  nodeClient(node: object): Promise<StandaloneRedisClient>;
}

/**
 * A standalone or cluster node-redis 5 client, as the app created it.
 * @example
 * const client: SessionRedisClient = createClient({ url, disableOfflineQueue: true });
 */
export type SessionRedisClient = StandaloneRedisClient | ClusterRedisClient;

/** How {@link createSessionRedisClient} connects. All durations in milliseconds. */
export interface RedisConnectionOptions {
  /** Give up one connection attempt after this long. @default 1_000 */
  readonly connectTimeout?: number;
  /** Longest wait between reconnection attempts (they back off from 50 ms up to this). @default 1_000 */
  readonly maxReconnectDelay?: number;
}

/** A client the store created itself, and how to let it go. */
export interface OwnedRedisClient {
  /** The client. */
  readonly client: SessionRedisClient;
  /** Closes it, without waiting on a server that does not answer. */
  close(): Promise<void>;
}

function isCluster(client: SessionRedisClient): client is ClusterRedisClient {
  return 'masters' in client && typeof client.nodeClient === 'function';
}

/**
 * Closes gracefully (pending replies first), but destroys the connection if that fails or
 * takes longer than `ms`: a frozen server must not hang the app's shutdown.
 */
async function closeWithin(close: () => Promise<unknown>, destroyNow: () => void, ms: number) {
  const destroy = () => {
    try {
      destroyNow();
    } catch {
      // already closed
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(() => resolve(destroy()), ms);
  });
  const graceful = close().then(
    () => undefined,
    () => destroy(),
  );
  await Promise.race([graceful, forced]);
  clearTimeout(timer);
}

/**
 * Destroys a node-redis client (standalone or cluster) that may still be connecting.
 * node-redis 5 loses a socket that is being opened when `destroy()` is called: the
 * connection opens anyway, cannot be closed any more and keeps the process alive. So the
 * client's `connect()` promise (`connecting`, `null` if it never connected) first gets up to
 * `ms` to settle; a Redis that is down never settles it, and the destroy then stops the
 * reconnection attempts. Internal to the library.
 *
 * @example
 * await destroyWhenSettled(subscriber, connecting, 1_000);
 */
export async function destroyWhenSettled(
  client: { destroy(): void },
  connecting: Promise<unknown> | null,
  ms: number,
): Promise<void> {
  if (connecting) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connecting.catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }
  try {
    client.destroy();
  } catch {
    // Never opened, or already closed.
  }
}

/**
 * Creates a node-redis client that never makes the app wait for a Redis that is down:
 * offline queue disabled (commands fail at once while disconnected), short connect timeout,
 * reconnection with capped backoff forever, one log line per outage. It starts connecting
 * in the background and is usable once connected; until then commands fail (→ 503).
 *
 * @param url `redis://[[user]:password@]host[:port][/db]` (`rediss://` for TLS), or several
 * URLs of cluster nodes (an array means Redis Cluster, even with one element).
 *
 * @example
 * const { client, close } = createSessionRedisClient('redis://127.0.0.1:6379');
 */
export function createSessionRedisClient(
  url: string | readonly string[],
  options: RedisConnectionOptions = {},
): OwnedRedisClient {
  const logger = new Logger('RedisSessionStore');
  const connectTimeout = options.connectTimeout ?? 1_000;
  const maxDelay = options.maxReconnectDelay ?? 1_000;
  const socket = {
    connectTimeout,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), maxDelay),
  };
  let down = false;
  const onError = (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(`Redis unreachable (${error.message}); reconnecting`);
  };
  const onReady = () => {
    if (down) logger.log('Redis reachable again');
    down = false;
  };
  let closed = false;
  if (typeof url === 'string') {
    const client = createClient({ url, disableOfflineQueue: true, socket });
    client.on('error', onError);
    client.on('ready', onReady);
    const connecting = client.connect().catch(onError);
    return {
      client,
      close: async () => {
        if (closed) return;
        closed = true;
        if (client.isReady)
          await closeWithin(
            () => client.close(),
            () => client.destroy(),
            connectTimeout,
          );
        else await destroyWhenSettled(client, connecting, connectTimeout);
      },
    };
  }
  const cluster = createCluster({
    rootNodes: url.map((u) => ({ url: u })),
    defaults: { disableOfflineQueue: true, socket },
  });
  cluster.on('error', onError);
  // The first topology discovery fails while every root node is down; keep trying.
  const connect = (): void => {
    if (closed) return;
    cluster.connect().then(
      () => (closed ? cluster.destroy() : onReady()),
      (error: Error) => {
        onError(error);
        setTimeout(connect, maxDelay).unref();
      },
    );
  };
  connect();
  return {
    client: cluster,
    close: async () => {
      if (closed) return;
      closed = true;
      await closeWithin(
        () => cluster.close(),
        () => cluster.destroy(),
        connectTimeout,
      );
    },
  };
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Sends commands and scripts to a standalone server or a cluster with one API: every
 * command is bounded by the per-command timeout (rejected when unanswered, dropped when
 * still unsent; see {@link Deadlines}), every command and script is routed by its first
 * key, scripts run by EVALSHA with an EVAL fallback. Internal to the store.
 *
 * @example
 * await new RedisCommander(client, 500).run(LOOKUP, [sessionKey, subjectKey], ['i', sid]);
 */
export class RedisCommander {
  /** Whether the client is a Redis Cluster client. */
  readonly cluster: boolean;
  private readonly deadlines: Deadlines;

  /** @param timeout per-command timeout in ms */
  constructor(
    private readonly client: SessionRedisClient,
    timeout: number,
  ) {
    this.cluster = isCluster(client);
    this.deadlines = new Deadlines(timeout, () => new Error(`no answer within ${timeout} ms`));
  }

  /** Sends one command to the node owning `key`. */
  send(key: string | undefined, args: string[]): Promise<unknown> {
    const client = this.client;
    return this.deadlines.run(({ signal }) =>
      isCluster(client)
        ? client.sendCommand(key, false, args, { abortSignal: signal })
        : client.sendCommand(args, { abortSignal: signal }),
    );
  }

  /** Runs `script` in the slot of `keys[0]`. */
  async run(script: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.send(keys[0], ['EVALSHA', script.sha, ...tail]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return this.send(keys[0], ['EVAL', script.source, ...tail]);
    }
  }

  /** Deletes keys, each in its own slot, concurrently. */
  async del(keys: readonly string[]): Promise<void> {
    if (!this.cluster) {
      for (let i = 0; i < keys.length; i += 500)
        await this.send(undefined, ['DEL', ...keys.slice(i, i + 500)]);
      return;
    }
    await Promise.all(keys.map((key) => this.send(key, ['DEL', key])));
  }

  /** Every key matching `pattern`, in batches, from every master. */
  async *scan(pattern: string): AsyncGenerator<string[]> {
    const nodes = isCluster(this.client)
      ? await Promise.all(
          this.client.masters.map((m) => (this.client as ClusterRedisClient).nodeClient(m)),
        )
      : [this.client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = (await this.deadlines.run(({ signal }) =>
          node.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'], {
            abortSignal: signal,
          }),
        )) as [string, string[]];
        cursor = String(next);
        if (keys.length > 0) yield keys.map(String);
      } while (cursor !== '0');
    }
  }
}
