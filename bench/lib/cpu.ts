import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc` CPU times (`getconf CLK_TCK`; 100 where it cannot be read). */
export const TICKS_PER_SECOND = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** Busy and total ticks of one CPU, from `/proc/stat`; `null` where there is no `/proc`. */
export function cpuTicks(cpu: number): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`cpu${cpu} `));
    if (!line) return null;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3] + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU ticks (user + system) a process has used, from `/proc/<pid>/stat`; 0 if unknown. */
export function processTicks(pid: number | undefined): number {
  return processTicksOrNull(pid) ?? 0;
}

/** {@link processTicks}, or `null` where it cannot be read (no `/proc`, process gone). */
export function processTicksOrNull(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/**
 * Measures how much of a CPU something other than the given processes used while `work`
 * ran: the share of that CPU's time (0–1), or `null` where it cannot be told.
 */
export async function foreignShare<T>(
  cpu: number | null,
  pids: () => (number | undefined)[],
  work: () => Promise<T>,
): Promise<{ result: T; foreign: number | null }> {
  const before = cpu === null ? null : cpuTicks(cpu);
  const oursBefore = pids().reduce<number>((a, pid) => a + processTicks(pid), 0);
  const result = await work();
  const after = cpu === null ? null : cpuTicks(cpu);
  const oursAfter = pids().reduce<number>((a, pid) => a + processTicks(pid), 0);
  if (!before || !after || after.total <= before.total) return { result, foreign: null };
  const foreign =
    (after.busy - before.busy - (oursAfter - oursBefore)) / (after.total - before.total);
  return { result, foreign: Math.max(0, Math.min(1, foreign)) };
}
