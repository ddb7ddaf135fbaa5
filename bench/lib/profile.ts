import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One line of a profile summary. */
export interface Share {
  /** Function (`name (file:line)`) or area. */
  readonly what: string;
  /** Share of the busy samples in the window, 0–1. */
  readonly share: number;
}

/** A CPU profile's busy samples within a time window, ready to be summarised. */
export interface ProfileSummary {
  /** Busy samples in the window (idle and `(program)` excluded). */
  readonly samples: number;
  /** Functions by self time. */
  readonly functions: Share[];
  /** Self time by where the code lives (our library, Chirp, Nest, Express, Node, …). */
  readonly areas: Share[];
  /** Share of busy time spent inside the guard (`canActivate` of the app's guards), inclusive. */
  readonly guard: number;
  /** Self time of the functions running inside the guard (shares of all busy samples). */
  readonly guardFunctions: Share[];
}

const NOT_BUSY = new Set(['(idle)', '(program)']);

function areaOf(fn: string, where: string): string {
  if (where === 'native') return fn.startsWith('(') ? fn : 'native (V8 builtins, C++)';
  if (where.startsWith('dist/lib/')) return 'nest-sessions (dist/lib)';
  if (where.startsWith('dist/sample-app/')) return 'Chirp (dist/sample-app)';
  const pkg = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(where)?.[1];
  if (pkg) return pkg;
  return where.startsWith('node:') ? 'Node internals (JS)' : where;
}

/**
 * Summarises the newest `.cpuprofile` in `dir` over the samples taken between `fromUs` and
 * `toUs` (µs on the monotonic clock, as `process.hrtime` reads it; V8 stamps samples with the
 * same clock), so that start-up and shutdown are left out. Paths are shown relative to `root`.
 */
export function summariseProfile(
  dir: string,
  root: string,
  fromUs: number,
  toUs: number,
  count = 25,
): ProfileSummary {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url
      ? `${relative(root, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}`
      : 'native';
    return { fn: functionName || '(anonymous)', where };
  };
  const inGuard = new Map<number, boolean>();
  const guarded = (id: number): boolean => {
    const known = inGuard.get(id);
    if (known !== undefined) return known;
    const n = nodes.get(id)!;
    const { fn, where } = label(n);
    const self = fn === 'canActivate' && /^dist\/(lib|sample-app)\//.test(where);
    const up = parent.get(id);
    const result = self || (up !== undefined && guarded(up));
    inGuard.set(id, result);
    return result;
  };
  const functions = new Map<string, number>();
  const guardFunctions = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let inside = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) return;
    const n = nodes.get(id);
    if (!n) return;
    const { fn, where } = label(n);
    if (NOT_BUSY.has(fn)) return;
    busy++;
    const key = `${fn} (${where})`;
    if (guarded(id)) {
      inside++;
      guardFunctions.set(key, (guardFunctions.get(key) ?? 0) + 1);
    }
    functions.set(key, (functions.get(key) ?? 0) + 1);
    const area = areaOf(fn, where);
    areas.set(area, (areas.get(area) ?? 0) + 1);
  });
  const top = (m: Map<string, number>, limit: number): Share[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([what, h]) => ({ what, share: h / busy }));
  return {
    samples: busy,
    functions: top(functions, count),
    areas: top(areas, 15),
    guard: busy ? inside / busy : 0,
    guardFunctions: top(guardFunctions, 12),
  };
}
