import { performance } from 'node:perf_hooks';
import { call, sleep } from './http.js';
import type { Credential, Target } from './targets.js';

/** What the scalability probe found. */
export interface ScalabilityResult {
  /** Whether a token issued by instance A works on instance B. */
  readonly shared: boolean;
  /** ms from a logout on B until A refuses the token; `null` when not applicable. */
  readonly propagationMs: number | null;
  /** A remark for the report (e.g. no logout, or it never held). */
  readonly note: string | null;
}

/** Status of the guarded route for `credential` on `base`. */
export async function guardedStatus(base: string, credential: Credential): Promise<number> {
  return (await call('GET', `${base}/bench/guarded`, { headers: credential.headers })).status;
}

/** One logout-propagation trial: ms until A refused, or why there is no number. */
async function propagationTrial(
  target: Target,
  a: string,
  b: string,
  timeoutMs: number,
): Promise<{ ms: number | null; note: string | null }> {
  const logout = target.logout!;
  const credential = await target.login(a);
  if (!credential) return { ms: null, note: 'login on A failed' };
  if (
    (await guardedStatus(b, credential)) !== 200 ||
    (await guardedStatus(a, credential)) !== 200
  ) {
    return { ms: null, note: 'token refused before logout' };
  }
  const status = await logout(b, credential);
  const loggedOut = performance.now();
  if (status < 200 || status >= 300) return { ms: null, note: `logout on B answered ${status}` };
  for (;;) {
    const started = performance.now();
    if ((await guardedStatus(a, credential)) !== 200) {
      return { ms: Math.max(0, started - loggedOut), note: null };
    }
    if (started - loggedOut > timeoutMs) {
      return { ms: null, note: `logout on B not honoured by A within ${timeoutMs} ms` };
    }
    await sleep(1);
  }
}

/**
 * Logs in on A, checks the token on B, logs out on B and measures how long until A refuses
 * it: the time from the logout's answer to the start of the first refused request on A
 * (polled back to back), 0 when A refuses at once. Three trials; the median is reported,
 * and every trial in the note when they differ by more than a few ms.
 */
export async function probeScalability(
  target: Target,
  a: string,
  b: string,
  timeoutMs: number,
): Promise<ScalabilityResult> {
  const credential = await target.login(a);
  if (!credential) return { shared: false, propagationMs: null, note: 'login on A failed' };
  const shared = (await guardedStatus(b, credential)) === 200;
  if (!shared) return { shared, propagationMs: null, note: null };
  if (!target.logout) return { shared, propagationMs: null, note: 'no logout' };
  const trials: number[] = [];
  for (let n = 0; n < 3; n++) {
    const trial = await propagationTrial(target, a, b, timeoutMs);
    if (trial.ms === null) return { shared, propagationMs: null, note: trial.note };
    trials.push(trial.ms);
  }
  const sorted = [...trials].sort((x, y) => x - y);
  return {
    shared,
    propagationMs: sorted[1],
    note:
      sorted[2] - sorted[0] > 5
        ? `logout propagation trials: ${trials.map((t) => t.toFixed(1)).join(', ')} ms`
        : null,
  };
}

/**
 * Whether a session created before a restart is still usable after it: the access token is
 * accepted and, where there is one, the refresh token still works. Polls while the answer is
 * a 5xx or a network error (the store or app coming back), up to `timeoutMs`.
 */
export async function sessionSurvives(
  target: Target,
  base: string,
  credential: Credential,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  let status: number;
  for (;;) {
    status = await guardedStatus(base, credential);
    if ((status >= 200 && status < 500) || performance.now() > deadline) break;
    await sleep(100);
  }
  if (status !== 200) return false;
  if (!target.refresh) return true;
  for (;;) {
    const refreshed = await target.refresh(base, credential);
    if (refreshed === 200) return true;
    // A refresh refused with 401 is final; only retry while the store is coming back.
    if ((refreshed < 500 && refreshed !== 0) || performance.now() > deadline) return false;
    await sleep(100);
  }
}

/** Logs in, retrying while the app or its store is coming back (5xx, network errors). */
export async function loginWithRetry(
  target: Target,
  base: string,
  timeoutMs: number,
): Promise<Credential | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const credential = await target.login(base);
    if (credential) return credential;
    if (performance.now() > deadline) return null;
    await sleep(200);
  }
}
