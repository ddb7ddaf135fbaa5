import type { SessionStore } from './session.store.js';

/** Not a session id (those are 22 base64url characters): a probe finds nothing, by key. */
const PROBE_ID = 'health-probe';

/**
 * Whether `store` answers one lookup by id (a primary-key read that finds nothing) within
 * `timeout` ms. For health reports; never throws.
 *
 * @example
 * const up = await probeStore(store, 1_000);
 */
export async function probeStore(store: SessionStore, timeout: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeout);
  });
  try {
    await Promise.race([store.findById(PROBE_ID), expired]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
