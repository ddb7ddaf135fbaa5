import type { RowResult, RunResults, TargetCheck } from './results.js';
import { allTargets } from './targets.js';

type Inputs = Pick<RunResults, 'rows' | 'scale' | 'bytesPerSession' | 'revokeAll'>;

const fmt = (n: number, d = 2) => n.toFixed(d);

/** Checks the targets against a run's numbers. */
export function checkTargets(run: Inputs): TargetCheck[] {
  const row = (slug: string): RowResult | undefined => run.rows.find((r) => r.slug === slug);
  const names = new Map(allTargets().map((t) => [t.slug, t.name]));
  const name = (slug: string) => names.get(slug) ?? slug;
  const checks: TargetCheck[] = [];
  const atLeast = (target: string, slug: string, min: number) => {
    const r = row(slug);
    checks.push({
      target,
      measured: r
        ? `ratio ${fmt(r.ratio)} (${fmt(r.ratio_min)}–${fmt(r.ratio_max)})` +
          (r.cpu_ratio === null ? '' : `; CPU ratio ${fmt(r.cpu_ratio)}`)
        : 'not run',
      met: r ? r.ratio >= min : null,
    });
  };
  const times = (target: string, slug: string, peer: string, factor: number) => {
    const a = row(slug);
    const b = row(peer);
    checks.push({
      target,
      measured:
        a && b
          ? `${fmt(a.ratio / b.ratio)}× (${fmt(a.ratio)} vs ${fmt(b.ratio)})`
          : `not run (${[a ? null : name(slug), b ? null : name(peer)].filter(Boolean).join(', ')})`,
      met: a && b ? a.ratio >= factor * b.ratio : null,
    });
  };
  atLeast('reference × memory ≥ 0.90 of the ceiling', 'ref-memory', 0.9);
  for (const slug of ['value-sqlite', 'value-redis']) {
    atLeast(`${name(slug)} (logout-aware) ≥ 0.85`, slug, 0.85);
    times(`${name(slug)} ≥ 3× passport-jwt`, slug, 'peer-passport-jwt', 3);
  }
  atLeast('reference × Redis ≥ 0.80', 'ref-redis', 0.8);
  times(
    'reference × Redis ≥ 1.25× express-session + connect-redis',
    'ref-redis',
    'peer-session-redis',
    1.25,
  );
  atLeast('reference × tiered ≥ 0.85', 'ref-tiered', 0.85);
  times('reference × tiered ≥ 5× naive TypeORM', 'ref-tiered', 'peer-typeorm-naive', 5);
  times('reference × SQLite ≥ 2× naive TypeORM', 'ref-sqlite', 'peer-typeorm-naive', 2);
  times('reference × PostgreSQL ≥ 2× naive TypeORM', 'ref-postgres', 'peer-typeorm-naive', 2);

  for (const store of ['memory', 'Redis', 'PostgreSQL']) {
    const rows = run.scale.filter((s) => s.store === store).sort((a, b) => a.sessions - b.sessions);
    const small = rows.find((s) => s.sessions === 1_000);
    const large = rows.at(-1);
    const ok = small && large && large.sessions > small.sessions;
    checks.push({
      target: `${store}: verify p50 at 1M sessions ≤ 1.5× at 1k`,
      measured: ok
        ? `${fmt(large.verify_p50_us, 1)} µs at ${large.sessions.toLocaleString('en')} vs ` +
          `${fmt(small.verify_p50_us, 1)} µs at 1,000 (${fmt(large.verify_p50_us / small.verify_p50_us)}×)`
        : 'not run',
      // A run without the 1M row (--quick) shows the trend but gives no verdict.
      met:
        ok && large.sessions >= 1_000_000 ? large.verify_p50_us <= 1.5 * small.verify_p50_us : null,
    });
  }
  for (const [store, max] of [
    ['memory', 512],
    ['Redis', 1024],
  ] as const) {
    const b = run.bytesPerSession.find((x) => x.store === store);
    checks.push({
      target: `${store}: ≤ ${max} bytes per session`,
      measured: b ? `${b.bytes} B (over ${b.sessions.toLocaleString('en')} sessions)` : 'not run',
      met: b ? b.bytes <= max : null,
    });
  }
  for (const r of run.revokeAll) {
    checks.push({
      target: `${r.store}: revoke all 10k sessions of a user ≤ 50 ms`,
      measured: `${fmt(r.first_ms)} ms (median of 5: ${fmt(r.median_ms)} ms)`,
      met: r.first_ms <= 50,
    });
  }
  return checks;
}
