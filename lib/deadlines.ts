import { setMaxListeners } from 'node:events';

/** What a bounded call hands to the work it starts. */
export interface DeadlineTicket {
  /** Aborted when the deadline passes (pass it to node-redis as `abortSignal`). */
  readonly signal: AbortSignal;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

interface Bucket {
  readonly controller: AbortController;
  readonly ticket: DeadlineTicket;
  /** The bucket's calls still unsettled: a call leaves as soon as it settles. */
  readonly pending: Set<(error: Error) => void>;
  /** Until when (ms, `performance.now()`) new calls join this bucket. */
  readonly openUntil: number;
}

/**
 * Bounds many short calls with one timer per time slice instead of one per call.
 *
 * A timer, an `AbortSignal.timeout()` or a `Promise.race` per Redis command costs more CPU
 * than the command itself on a busy server (measured: `AbortSignal.timeout` alone, whose
 * timer always fires and builds a `DOMException`, was 6–7 % of Chirp's CPU under load with
 * the Redis store). Here calls started within the same `slice` share a bucket: one
 * `AbortController` and one timer, which fires `timeout + slice` ms after the bucket opened
 * and rejects every call of the bucket still unanswered. So every call gets at least
 * `timeout` ms and at most `timeout + slice`.
 *
 * Internal to the library.
 *
 * @example
 * const deadlines = new Deadlines(500, () => new Error('no answer within 500 ms'));
 * const reply = await deadlines.run(({ signal }) => client.sendCommand(args, { abortSignal: signal }));
 */
export class Deadlines {
  private bucket: Bucket | null = null;
  private readonly slice: number;

  /**
   * @param timeout least time (ms) a call is given.
   * @param error the error a late call is rejected with.
   */
  constructor(
    private readonly timeout: number,
    private readonly error: () => Error,
  ) {
    this.slice = Math.max(1, Math.min(50, Math.round(timeout / 10)));
  }

  /**
   * Runs `work`, rejecting with the configured error if it has not settled by the deadline
   * (the work's own later answer is then ignored) and aborting the ticket's signal.
   */
  run<T>(work: (ticket: DeadlineTicket) => Promise<T>): Promise<T> {
    const bucket = this.current();
    return new Promise<T>((resolve, reject) => {
      let started: Promise<T>;
      try {
        started = work(bucket.ticket);
      } catch (error) {
        reject(asError(error));
        return;
      }
      bucket.pending.add(reject);
      started.then(
        (value) => {
          bucket.pending.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          bucket.pending.delete(reject);
          reject(asError(error));
        },
      );
    });
  }

  private current(): Bucket {
    const now = performance.now();
    const open = this.bucket;
    if (open && now < open.openUntil) return open;
    const controller = new AbortController();
    // Every call of the slice listens on this one signal: no listener limit (Node warns past 10).
    setMaxListeners(Infinity, controller.signal);
    const bucket: Bucket = {
      controller,
      ticket: { signal: controller.signal },
      pending: new Set(),
      openUntil: now + this.slice,
    };
    this.bucket = bucket;
    const timer = setTimeout(() => this.expire(bucket), this.timeout + this.slice);
    timer.unref();
    return bucket;
  }

  private expire(bucket: Bucket): void {
    if (this.bucket === bucket) this.bucket = null;
    if (bucket.pending.size === 0) return;
    const late = this.error();
    for (const reject of bucket.pending) reject(late);
    bucket.pending.clear();
    bucket.controller.abort(late);
  }
}
