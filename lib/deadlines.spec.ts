import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { getMaxListeners } from 'node:events';
import { Deadlines } from './deadlines.js';

const late = () => new Error('no answer within 500 ms');

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How a promise has settled so far (after the microtasks queued up to now). */
async function state(promise: Promise<unknown>): Promise<string> {
  let seen = 'pending';
  promise.then(
    (value) => (seen = `resolved ${String(value)}`),
    (error: Error) => (seen = `rejected ${error.message}`),
  );
  await jest.advanceTimersByTimeAsync(0);
  return seen;
}

describe('Deadlines', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it("passes the work's answer and error through", async () => {
    const deadlines = new Deadlines(500, late);
    await expect(deadlines.run(() => Promise.resolve(42))).resolves.toBe(42);
    await expect(deadlines.run(() => Promise.reject(new Error('WRONGTYPE')))).rejects.toThrow(
      'WRONGTYPE',
    );
    await expect(
      deadlines.run(() => {
        throw new Error('thrown before any promise');
      }),
    ).rejects.toThrow('thrown before any promise');
  });

  it('rejects an unanswered call after the timeout (never before) and aborts its signal', async () => {
    const deadlines = new Deadlines(500, late);
    let signal: AbortSignal | undefined;
    const call = deadlines.run((ticket) => {
      signal = ticket.signal;
      return new Promise<never>(() => undefined);
    });
    await jest.advanceTimersByTimeAsync(499);
    expect(await state(call)).toBe('pending');
    expect(signal?.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(51); // timeout + the 50 ms slice
    expect(await state(call)).toBe('rejected no answer within 500 ms');
    expect(signal?.aborted).toBe(true);
  });

  it('leaves answered calls alone, and ignores an answer that comes too late', async () => {
    const deadlines = new Deadlines(500, late);
    const quick = deferred<string>();
    const slow = deferred<string>();
    let signal: AbortSignal | undefined;
    const answered = deadlines.run(() => quick.promise);
    const unanswered = deadlines.run((ticket) => {
      signal = ticket.signal;
      return slow.promise;
    });
    quick.resolve('OK');
    await jest.advanceTimersByTimeAsync(600);
    expect(await state(answered)).toBe('resolved OK');
    expect(await state(unanswered)).toBe('rejected no answer within 500 ms');
    slow.resolve('too late');
    expect(await state(unanswered)).toBe('rejected no answer within 500 ms');
    expect(signal?.aborted).toBe(true);
  });

  it('does not abort a bucket whose calls all answered', async () => {
    const deadlines = new Deadlines(500, late);
    let signal: AbortSignal | undefined;
    await deadlines.run((ticket) => {
      signal = ticket.signal;
      return Promise.resolve('OK');
    });
    await jest.advanceTimersByTimeAsync(1_000);
    expect(signal?.aborted).toBe(false);
  });

  it('gives a call started in a later slice its own, later deadline', async () => {
    const deadlines = new Deadlines(500, late);
    const first = deadlines.run(() => new Promise<never>(() => undefined));
    await jest.advanceTimersByTimeAsync(60); // past the first bucket's 50 ms slice
    const second = deadlines.run(() => new Promise<never>(() => undefined));
    await jest.advanceTimersByTimeAsync(500); // t = 560: the first bucket expired at 550
    expect(await state(first)).toBe('rejected no answer within 500 ms');
    expect(await state(second)).toBe('pending');
    await jest.advanceTimersByTimeAsync(60); // t = 620: the second expires at 610
    expect(await state(second)).toBe('rejected no answer within 500 ms');
  });

  it('scales the slice down for short timeouts', async () => {
    const deadlines = new Deadlines(40, () => new Error('no answer within 40 ms'));
    const call = deadlines.run(() => new Promise<never>(() => undefined));
    await jest.advanceTimersByTimeAsync(39);
    expect(await state(call)).toBe('pending');
    await jest.advanceTimersByTimeAsync(5); // 40 ms + a 4 ms slice
    expect(await state(call)).toBe('rejected no answer within 40 ms');
  });

  it('lets any number of calls of a slice listen on the shared signal (Node warns past 10 by default)', async () => {
    const deadlines = new Deadlines(500, late);
    const signals = new Set<AbortSignal>();
    await Promise.all(
      Array.from({ length: 50 }, () =>
        deadlines.run(({ signal }) => {
          signals.add(signal);
          signal.addEventListener('abort', () => undefined, { once: true });
          return Promise.resolve('OK');
        }),
      ),
    );
    expect(signals.size).toBe(1);
    // A MaxListenersExceededWarning per slice would otherwise flood a busy server's log.
    expect(getMaxListeners([...signals][0])).toBe(Infinity);
  });
});
