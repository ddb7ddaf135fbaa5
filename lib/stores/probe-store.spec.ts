import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { MemorySessionStore } from './memory-session.store.js';
import { probeStore } from './probe-store.js';
import type { SessionStore } from './session.store.js';

/** A memory store whose `findById` is replaced: the probe only ever calls that. */
function storeWhoseLookup(findById: () => Promise<null>): SessionStore {
  const store = new MemorySessionStore();
  store.findById = findById;
  return store;
}

describe('probeStore', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('is true for a store that answers the lookup (finding nothing)', async () => {
    expect(await probeStore(new MemorySessionStore(), 1_000)).toBe(true);
  });

  it('is false for a store that fails the lookup', async () => {
    const failing = storeWhoseLookup(() => Promise.reject(new Error('ECONNREFUSED')));
    expect(await probeStore(failing, 1_000)).toBe(false);
  });

  it('is false, after the timeout and not before, for a store that never answers', async () => {
    jest.useFakeTimers();
    const silent = storeWhoseLookup(() => new Promise<null>(() => undefined));
    let answer: boolean | undefined;
    void probeStore(silent, 1_000).then((up) => (answer = up));
    await jest.advanceTimersByTimeAsync(999);
    expect(answer).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(answer).toBe(false);
  });
});
