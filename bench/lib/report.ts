import type { RowResult, RunResults } from './results.js';

const yesNo = (v: boolean | null) => (v === null ? '–' : v ? 'yes' : 'no');
const ms = (v: number | null) => (v === null ? '–' : v < 10 ? v.toFixed(1) : v.toFixed(0));

/** The columns of the main table, per row. */
function cells(r: RowResult): string[] {
  return [
    r.name + (r.kind === 'peer' ? ' (peer)' : ''),
    r.store,
    Math.round(r.rps).toLocaleString('en'),
    `${r.ratio.toFixed(2)} (${r.ratio_min.toFixed(2)}–${r.ratio_max.toFixed(2)})`,
    r.cpu_us_guarded === null ? '–' : Math.round(r.cpu_us_guarded).toLocaleString('en'),
    r.cpu_ratio === null || r.cpu_ratio_min === null || r.cpu_ratio_max === null
      ? '–'
      : `${r.cpu_ratio.toFixed(2)} (${r.cpu_ratio_min.toFixed(2)}–${r.cpu_ratio_max.toFixed(2)})`,
    r.p50_ms.toFixed(2),
    r.p99_ms.toFixed(2),
    yesNo(r.survives_app_restart),
    yesNo(r.survives_store_restart),
    yesNo(r.shared_across_instances),
    ms(r.revocation_propagation_ms),
  ];
}

/** The main table's columns and, for Markdown, their alignment (numbers right). */
const COLUMNS: readonly (readonly [header: string, align: 'l' | 'r'])[] = [
  ['configuration', 'l'],
  ['store', 'l'],
  ['req/s', 'r'],
  ['ratio (min–max)', 'r'],
  ['CPU µs/req', 'r'],
  ['CPU ratio (min–max)', 'r'],
  ['p50 ms', 'r'],
  ['p99 ms', 'r'],
  ['survives app restart', 'l'],
  ['survives store restart', 'l'],
  ['shared A→B', 'l'],
  ['logout B→A ms', 'r'],
];
const HEADERS = COLUMNS.map(([header]) => header);

/** The main table as aligned plain text, for stdout. */
export function textTable(run: RunResults): string {
  const rows = [HEADERS, ...run.rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  for (const s of run.skipped) out.push(`${s.name}: skipped (${s.reason})`);
  return out.join('\n');
}

function mdTable(headers: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The summary lines after the table: scale rows, memory, revocation, targets. */
export function textSummary(run: RunResults): string {
  const out: string[] = [];
  for (const s of run.scale) {
    out.push(
      `scale: ${s.store}, ${s.sessions.toLocaleString('en')} sessions: verify p50 ${s.verify_p50_us} µs`,
    );
  }
  for (const b of run.bytesPerSession) out.push(`bytes per session: ${b.store}: ${b.bytes} B`);
  for (const r of run.revokeAll) {
    out.push(
      `revoke all ${r.sessions.toLocaleString('en')} sessions of a user: ${r.store}: ${r.first_ms} ms`,
    );
  }
  for (const t of run.targets) {
    out.push(`${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.target}: ${t.measured}`);
  }
  out.push(
    run.noisy
      ? `NOISY RUN: ${run.noiseReasons.join('; ')}`
      : 'Noise: within limits (no row spread over 15 %, server CPU not shared)',
  );
  return out.join('\n');
}

/** `bench/RESULTS.md`: the table, the machine, the date, the exact command, and the rest. */
export function markdown(run: RunResults): string {
  const out: string[] = [];
  out.push(
    '# Benchmark results',
    '',
    `Produced by \`${run.command}\` on ${run.date.slice(0, 10)}${run.quick ? ' (quick run: one instance per configuration, one round, smaller scale rows: a smoke test; ratios vary by ±0.3 between quick runs here)' : ''}.`,
    '',
    `- Machine: ${run.machine}`,
    `- Date: ${run.date}`,
    `- Command: \`${run.command}\` (${Math.round(run.wallSeconds)} s)`,
    `- Load: ${run.loadGenerator}, ${run.connections} connections, ${run.rounds} interleaved rounds of ${run.durationSec} s per route (${run.durationSec === 1 ? 'one 1 s slice each, the order alternating by round' : '1 s slices, guarded and public in A B B A order'}) after a warm-up; ${run.pinning}`,
    `- Ceiling (Chirp's \`@Public()\` twin, reference × memory): ${Math.round(run.ceilingRps).toLocaleString('en')} req/s`,
    `- ${run.noisy ? `**Noisy run**: ${run.noiseReasons.join('; ')}` : 'Noise: within limits (no row spread over 15 %, server CPU not shared)'}`,
    '',
    '![Throughput ratio by configuration](results.svg)',
    '',
    "## Throughput, latency and the article's trade-offs, measured",
    '',
    'Each app serves `GET /bench/guarded` (a valid session holding `posts:like`) and its',
    '`@Public()` twin `GET /bench/public` with the same handler. **ratio** is guarded ÷ public',
    'requests/s of the same app in the same round (median over the rounds, min–max in',
    "brackets); req/s and latencies are the guarded route's medians. **CPU µs/req** is the",
    "app process's CPU time (all its threads) per guarded response, and **CPU ratio** the",
    "public route's CPU per response ÷ the guarded one's (median over the rounds): the ratio the",
    'app would reach if its own CPU were the only limit, leaving out work done in other',
    'processes (Redis, PostgreSQL). Where it matches the rate ratio, the app is CPU-bound and',
    "the spread over the rounds is the machine's speed moving, which the CPU time moves with.",
    '',
    mdTable(
      HEADERS,
      run.rows.map(cells),
      COLUMNS.map(([, align]) => align),
    ),
    '',
    '- **survives app restart**: a session created before the app is restarted still works',
    '  after it (its access token is accepted and, where there is one, its refresh token too).',
    "- **survives store restart**: the same across a restart of the bench's own",
    '  redis-server (no persistence); for stores inside the app process (memory, SQLite) the',
    "  app restart is the store's; `–`: not measured (no store, or the shared PostgreSQL",
    '  server, which the bench never restarts).',
    '- **shared A→B**: a token issued by instance A is accepted by a second instance B.',
    '- **logout B→A**: after a logout on B, the time until A refuses the token, polled back to',
    '  back (0 = at once); `–`: not shared, or no logout (passport-jwt).',
  );
  const notes = run.rows.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`));
  if (run.skipped.length || notes.length) {
    out.push('', '### Notes and skipped configurations', '');
    out.push(...notes);
    for (const s of run.skipped) out.push(`- ${s.name}: **skipped** (${s.reason})`);
  }
  out.push('', '## Scale', '');
  if (run.scale.length) {
    const stores = [...new Set(run.scale.map((s) => s.store))];
    const sizes = [...new Set(run.scale.map((s) => s.sessions))].sort((a, b) => a - b);
    out.push(
      'Verification latency (`TokenService.verify`, reference tokens, one call at a time, p50)',
      'with this many live sessions in the store:',
      '',
      mdTable(
        ['store', ...sizes.map((n) => `${n.toLocaleString('en')} sessions`)],
        stores.map((store) => [
          store,
          ...sizes.map((n) => {
            const s = run.scale.find((x) => x.store === store && x.sessions === n);
            return s ? `${s.verify_p50_us} µs` : '–';
          }),
        ]),
        ['l', ...sizes.map(() => 'r' as const)],
      ),
      '',
    );
  }
  if (run.bytesPerSession.length) {
    out.push(
      mdTable(
        ['store', 'bytes per session', 'measured over', 'how'],
        run.bytesPerSession.map((b) => [
          b.store,
          String(b.bytes),
          `${b.sessions.toLocaleString('en')} sessions`,
          b.store === 'memory' ? 'V8 heap + external delta after GC' : 'Redis `used_memory` delta',
        ]),
        ['l', 'r', 'r', 'l'],
      ),
      '',
    );
  }
  if (run.revokeAll.length) {
    out.push(
      mdTable(
        ['store', 'revoke all sessions of a user with 10k', 'median of 5 calls'],
        run.revokeAll.map((r) => [r.store, `${r.first_ms} ms`, `${r.median_ms} ms`]),
        ['l', 'r', 'r'],
      ),
      '',
    );
  }
  out.push(
    '## Targets',
    '',
    mdTable(
      ['target', 'measured', 'verdict'],
      run.targets.map((t) => [
        t.target,
        t.measured,
        t.met === null ? 'not run' : t.met ? 'met' : '**missed**',
      ]),
      ['l', 'l', 'l'],
    ),
    '',
  );
  return out.join('\n');
}

/** `bench/results.json`, in the schema other tools read (extras under `extras`). */
export function json(run: RunResults): string {
  return `${JSON.stringify(
    {
      machine: run.machine,
      date: run.date,
      ceiling_rps: Math.round(run.ceilingRps),
      rows: run.rows.map((r) => ({
        name: r.name,
        kind: r.kind,
        strategy: r.strategy,
        store: r.store,
        rps: Math.round(r.rps),
        ratio: Math.round(r.ratio * 1000) / 1000,
        p50_ms: Math.round(r.p50_ms * 1000) / 1000,
        p99_ms: Math.round(r.p99_ms * 1000) / 1000,
        survives_app_restart: r.survives_app_restart,
        survives_store_restart: r.survives_store_restart,
        shared_across_instances: r.shared_across_instances,
        revocation_propagation_ms:
          r.revocation_propagation_ms === null
            ? null
            : Math.round(r.revocation_propagation_ms * 10) / 10,
      })),
      scale: run.scale,
      extras: {
        command: run.command,
        quick: run.quick,
        load_generator: run.loadGenerator,
        pinning: run.pinning,
        rounds: run.rounds,
        duration_s: run.durationSec,
        connections: run.connections,
        noisy: run.noisy,
        noise_reasons: run.noiseReasons,
        spread: Object.fromEntries(
          run.rows.map((r) => [
            r.name,
            {
              ratio_min: r.ratio_min,
              ratio_max: r.ratio_max,
              rps_min: Math.round(r.rps_min),
              rps_max: Math.round(r.rps_max),
              ceiling_rps: Math.round(r.ceiling_rps),
              cpu_us_guarded: r.cpu_us_guarded === null ? null : Math.round(r.cpu_us_guarded),
              cpu_us_public: r.cpu_us_public === null ? null : Math.round(r.cpu_us_public),
              cpu_ratio: r.cpu_ratio === null ? null : Math.round(r.cpu_ratio * 1000) / 1000,
              cpu_ratio_min: r.cpu_ratio_min,
              cpu_ratio_max: r.cpu_ratio_max,
            },
          ]),
        ),
        notes: Object.fromEntries(
          run.rows.filter((r) => r.notes.length).map((r) => [r.name, r.notes]),
        ),
        skipped: run.skipped,
        bytes_per_session: run.bytesPerSession,
        revoke_all: run.revokeAll,
        targets: run.targets,
        wall_s: Math.round(run.wallSeconds),
      },
    },
    null,
    2,
  )}\n`;
}
