// `npm run bench`: Chirp in every strategy × store it can reach, beside the usual alternatives,
// under HTTP load, with the article's trade-off columns measured, then the scale rows. Writes a
// table to stdout, bench/results.json, bench/RESULTS.md and bench/results.svg.
//
// Flags: --quick (a smoke run: one instance per configuration, a 1 s warm-up of the guarded
// route and one A B pair of 1 s slices per configuration, scale rows up to 10k sessions), --only <slug,…>,
// --no-scale, --profile (a CPU profile of Chirp's guarded route, reference × memory, instead of
// the benchmark), --rounds N, --duration S, --connections N.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioChart } from './lib/chart.js';
import { cpuTicks, foreignShare, processTicksOrNull, TICKS_PER_SECOND } from './lib/cpu.js';
import { call } from './lib/http.js';
import { pickLoadGenerator, runLoad, type LoadResult } from './lib/load.js';
import { BenchDatabase } from './lib/postgres.js';
import {
  killAllSync,
  pinSelf,
  planCpus,
  startProcess,
  stopAll,
  type CpuPlan,
} from './lib/processes.js';
import {
  guardedStatus,
  loginWithRetry,
  probeScalability,
  sessionSurvives,
  type ScalabilityResult,
} from './lib/probes.js';
import { summariseProfile } from './lib/profile.js';
import { BenchRedis } from './lib/redis-server.js';
import { json, markdown, textSummary, textTable } from './lib/report.js';
import type { RowResult, RunResults, Skipped } from './lib/results.js';
import { startServer, type Server } from './lib/server.js';
import { median, relativeSpread, spread } from './lib/stats.js';
import { allTargets, type Credential, type RunContext, type Target } from './lib/targets.js';
import { checkTargets } from './lib/targets-check.js';
import type { ScaleOutput } from './scale.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-scale': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
  },
});

const quick = flags.quick === true;
const settings = {
  rounds: Number(flags.rounds ?? (quick ? 1 : 5)),
  // 2 s = one A B B A sequence of 1 s slices: a single A B pair would favour its second route.
  // A quick run (a smoke test) takes that single pair, guarded first, right after warming it.
  duration: Number(flags.duration ?? (quick ? 1 : 2)),
  warmup: 1,
  // A quick run warms the guarded route only: the public twin runs a subset of its code
  // (routing, the controller), and one round's ratio is a smoke test either way.
  warmupRoutes: quick ? (['guarded'] as const) : (['guarded', 'public'] as const),
  connections: Number(flags.connections ?? 16),
  scaleSizes: quick ? '1000,10000' : '1000,100000,1000000',
  scaleSamples: quick ? 3_000 : 20_000,
  propagationTimeout: 5_000,
};
for (const [flag, value] of [
  ['--rounds', settings.rounds],
  ['--duration', settings.duration],
  ['--connections', settings.connections],
] as const) {
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`${flag} must be a whole number ≥ 1 (seconds for --duration)\n`);
    process.exit(2);
  }
}
/** Rows whose rounds spread more than this (max − min over median) make the run noisy. */
const NOISE_SPREAD = 0.15;
/** Share of the server CPU used by other processes that makes a row noisy. */
const NOISE_FOREIGN = 0.1;
/** Share of all CPUs busy (with other work) just before the run that makes it noisy. */
const NOISE_BUSY_BEFORE = 0.15;

/** How busy all CPUs together are over `ms` (0–1), from `/proc/stat`; `null` if unknown. */
async function machineBusyShare(ms: number): Promise<number | null> {
  const sample = () => {
    const each = cpus().map((_, i) => cpuTicks(i));
    if (each.some((t) => t === null)) return null;
    return (each as { busy: number; total: number }[]).reduce(
      (a, t) => ({ busy: a.busy + t.busy, total: a.total + t.total }),
      { busy: 0, total: 0 },
    );
  };
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  if (!before || !after || after.total <= before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`;
const workDir = join(root, 'bench', '.work', runId);
const started = performance.now();

function say(line: string): void {
  const at = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${at} s] ${line}\n`);
}

function command(): string {
  const args = process.argv.slice(2).join(' ');
  return process.env.npm_lifecycle_event === 'bench'
    ? `npm run bench${args ? ` -- ${args}` : ''}`
    : `node dist/bench/run.js${args ? ` ${args}` : ''}`;
}

function machine(): string {
  const model = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return (
    `${model}, ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ` +
    `Linux ${release()}, Node ${process.version}`
  );
}

/** The resources a run needs, released whatever happens. */
interface Infra {
  redis: BenchRedis | null;
  database: BenchDatabase | null;
  redisReason: string;
  databaseReason: string;
}

async function startInfra(plan: CpuPlan, targets: Target[]): Promise<Infra> {
  const wantRedis = targets.some((t) => t.needs.includes('redis')) || !flags['no-scale'];
  const wantPostgres = targets.some((t) => t.needs.includes('postgres'));
  const infra: Infra = { redis: null, database: null, redisReason: '', databaseReason: '' };
  if (wantRedis) {
    const { redis, reason } = await BenchRedis.start(workDir, plan.redis);
    infra.redis = redis;
    infra.redisReason = reason;
    say(redis ? `redis-server (own) on ${redis.url}` : `no Redis: ${reason}`);
  }
  if (wantPostgres) {
    const { db, reason } = await BenchDatabase.create(postgresServer());
    infra.database = db;
    infra.databaseReason = reason;
    say(db ? `PostgreSQL database ${db.name}` : `no PostgreSQL: ${reason}`);
  }
  return infra;
}

function postgresServer(): string {
  return process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function releaseInfra(infra: Infra | null): Promise<void> {
  await stopAll();
  await infra?.redis?.stop().catch(() => undefined);
  await infra?.database
    ?.drop()
    .catch((e: Error) => say(`could not drop the database: ${e.message}`));
}

/**
 * How many configurations are probed at once. A full run probes restarts and a second
 * instance per configuration; a quick run only starts one, and starts are CPU-bound (module
 * loading, migrations, password hashing), so more at once only queue for the same CPUs.
 */
const PROBE_CONCURRENCY = quick ? 4 : 3;

/** Maps `items` through `work`, at most `size` at a time, keeping the order. */
async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

/** Per configuration, what the probes found, and the running instance the load goes to. */
interface Probed {
  readonly target: Target;
  server: Server;
  /** `null` in `--quick` runs, which start one instance per configuration only. */
  readonly scalability: ScalabilityResult | null;
  readonly survivesApp: boolean | null;
  survivesStore: boolean | null;
  readonly notes: string[];
}

async function probe(target: Target, ctx: RunContext, plan: CpuPlan): Promise<Probed> {
  const notes: string[] = [];
  let a = await startServer(target, ctx, { cpu: plan.server, label: 'A' });
  const credential = await target.login(a.base);
  if (!credential) throw new Error('login failed');
  for (const route of ['guarded', 'public']) {
    const status = (await call('GET', `${a.base}/bench/${route}`, { headers: credential.headers }))
      .status;
    if (status !== 200) throw new Error(`GET /bench/${route} answered ${status}`);
  }
  if ((await call('GET', `${a.base}/bench/guarded`)).status !== 401) {
    throw new Error('GET /bench/guarded without a credential did not answer 401');
  }
  if (quick) {
    // Two more app starts per configuration would double a quick run: its fault and
    // sharing columns stay empty (–).
    notes.push('restart and second instance not probed in --quick runs');
    return { target, server: a, scalability: null, survivesApp: null, survivesStore: null, notes };
  }

  const b = await startServer(target, ctx, { cpu: null, label: 'B' });
  const scalability = await probeScalability(
    target,
    a.base,
    b.base,
    settings.propagationTimeout,
  ).finally(() => b.process.stop());
  if (scalability.note) notes.push(scalability.note);

  const beforeRestart = await target.login(a.base);
  await a.process.stop();
  a = await startServer(target, ctx, { cpu: plan.server, label: 'A, restarted' });
  const survivesApp = beforeRestart
    ? await sessionSurvives(target, a.base, beforeRestart, 10_000)
    : false;
  if (target.storeRestartNote) notes.push(`store restart not measured: ${target.storeRestartNote}`);
  return {
    target,
    server: a,
    scalability,
    survivesApp,
    survivesStore: target.storeRestart === 'in-process' ? survivesApp : null,
    notes,
  };
}

/** Restarts the bench's Redis once and checks every Redis-backed configuration's session. */
async function probeRedisRestart(probed: Probed[], redis: BenchRedis | null): Promise<void> {
  if (quick) return;
  const affected = probed.filter((p) => p.target.storeRestart === 'redis');
  if (!affected.length || !redis) return;
  const credentials = new Map<Probed, Credential | null>();
  for (const p of affected) credentials.set(p, await p.target.login(p.server.base));
  say('restarting redis-server (no persistence)…');
  await redis.restart();
  for (const p of affected) {
    const credential = credentials.get(p);
    p.survivesStore = credential
      ? await sessionSurvives(p.target, p.server.base, credential, 10_000)
      : null;
  }
}

interface Round {
  guarded: LoadResult;
  public: LoadResult;
  foreign: number | null;
  /** The server's CPU time per response (µs) on each route, or `null` where `/proc` is missing. */
  cpu: { guarded: number; public: number } | null;
}

/** CPU ticks a server used over one route's slices, and the responses it gave in them. */
interface CpuTally {
  ticks: number;
  responses: number;
  known: boolean;
}

/** Microseconds of CPU per response, or `null` if a reading was missing or nothing was served. */
function cpuPerResponse(t: CpuTally): number | null {
  return t.known && t.responses > 0 ? (t.ticks / TICKS_PER_SECOND / t.responses) * 1e6 : null;
}

async function loadPhase(
  probed: Probed[],
  plan: CpuPlan,
): Promise<{ rounds: Map<Probed, Round[]>; invalid: Map<Probed, string> }> {
  const generator = pickLoadGenerator();
  const credentials = new Map<Probed, Credential>();
  const invalid = new Map<Probed, string>();
  const rounds = new Map<Probed, Round[]>();
  for (const p of probed) {
    const credential = await loginWithRetry(p.target, p.server.base, 15_000);
    if (!credential || (await guardedStatus(p.server.base, credential)) !== 200) {
      invalid.set(p, 'could not log in for the load phase');
      continue;
    }
    credentials.set(p, credential);
    rounds.set(p, []);
  }
  const active = probed.filter((p) => credentials.has(p));
  const measure = (p: Probed, route: 'guarded' | 'public', duration: number) =>
    runLoad(generator, {
      url: `${p.server.base}/bench/${route}`,
      headers: credentials.get(p)!.headers,
      duration,
      connections: settings.connections,
    });
  say(`warm-up (${settings.warmup} s on ${settings.warmupRoutes.join(' and ')})…`);
  for (const p of active) {
    for (const route of settings.warmupRoutes) await measure(p, route, settings.warmup);
  }
  for (let r = 0; r < settings.rounds; r++) {
    say(`round ${r + 1}/${settings.rounds}…`);
    // Rotate the order every round, and alternate which route goes first.
    const order = active.map((_, i) => active[(i + r) % active.length]);
    for (const p of order) {
      if (invalid.has(p)) continue;
      const pid = p.server.process.child.pid;
      const { result, foreign } = await foreignShare(
        plan.server,
        () => [pid],
        async () => {
          // One-second slices in A B B A order (B A A B the next round): a slow stretch of
          // the machine then hits both routes of a pair alike instead of skewing its ratio.
          type Route = 'guarded' | 'public';
          const first: Route = r % 2 === 0 ? 'guarded' : 'public';
          const second: Route = first === 'guarded' ? 'public' : 'guarded';
          const slices: Record<Route, LoadResult[]> = { guarded: [], public: [] };
          // The server's own CPU time per response, beside the rate: it tells an app that
          // spends more CPU per request from one that waits (on its store, or for a CPU).
          const tally: Record<Route, CpuTally> = {
            guarded: { ticks: 0, responses: 0, known: true },
            public: { ticks: 0, responses: 0, known: true },
          };
          for (let k = 0; k < settings.duration; k++) {
            const pair: Route[] = k % 2 === 0 ? [first, second] : [second, first];
            for (const route of pair) {
              const before = processTicksOrNull(pid);
              const slice = await measure(p, route, 1);
              const after = processTicksOrNull(pid);
              slices[route].push(slice);
              const t = tally[route];
              if (before === null || after === null) t.known = false;
              else t.ticks += after - before;
              t.responses += slice.rps;
            }
          }
          const guardedCpu = cpuPerResponse(tally.guarded);
          const publicCpu = cpuPerResponse(tally.public);
          return {
            guarded: combineSlices(slices.guarded),
            public: combineSlices(slices.public),
            cpu:
              guardedCpu === null || publicCpu === null
                ? null
                : { guarded: guardedCpu, public: publicCpu },
          };
        },
      );
      if (result.guarded.failures > 0 || result.public.failures > 0) {
        invalid.set(
          p,
          `${result.guarded.failures + result.public.failures} failed requests in round ${r + 1}`,
        );
        continue;
      }
      rounds.get(p)!.push({ ...result, foreign });
    }
  }
  return { rounds, invalid };
}

/** Equal-length slices of one route as one measurement: mean rate and latencies, all failures. */
function combineSlices(slices: readonly LoadResult[]): LoadResult {
  const mean = (pick: (r: LoadResult) => number) =>
    slices.reduce((sum, r) => sum + pick(r), 0) / slices.length;
  return {
    rps: mean((r) => r.rps),
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
    failures: slices.reduce((sum, r) => sum + r.failures, 0),
  };
}

function rowOf(p: Probed, rounds: Round[]): RowResult {
  const ratios = rounds.map((r) => r.guarded.rps / r.public.rps);
  const rps = rounds.map((r) => r.guarded.rps);
  const ceilings = rounds.map((r) => r.public.rps);
  const foreign = rounds.map((r) => r.foreign).filter((f): f is number => f !== null);
  const noise: string[] = [];
  const ratioSpread = relativeSpread(ratios);
  if (ratioSpread > NOISE_SPREAD) noise.push(`ratio spread ${(ratioSpread * 100).toFixed(0)} %`);
  const ceilingSpread = relativeSpread(ceilings);
  if (ceilingSpread > NOISE_SPREAD) {
    noise.push(`ceiling spread ${(ceilingSpread * 100).toFixed(0)} %`);
  }
  // PostgreSQL's own processes may legitimately run on the server CPU.
  if (foreign.length && !p.target.needs.includes('postgres') && median(foreign) > NOISE_FOREIGN) {
    noise.push(`other processes used ${(median(foreign) * 100).toFixed(0)} % of the server CPU`);
  }
  const { min: ratioMin, max: ratioMax } = spread(ratios);
  const { min: rpsMin, max: rpsMax } = spread(rps);
  const cpu = rounds.map((r) => r.cpu).filter((c): c is NonNullable<Round['cpu']> => c !== null);
  const cpuRatios = cpu.map((c) => c.public / c.guarded);
  const t = p.target;
  return {
    name: t.name,
    kind: t.kind,
    strategy: t.strategy,
    store: t.store,
    rps: median(rps),
    ratio: median(ratios),
    p50_ms: median(rounds.map((r) => r.guarded.p50)),
    p99_ms: median(rounds.map((r) => r.guarded.p99)),
    survives_app_restart: p.survivesApp,
    survives_store_restart: p.survivesStore,
    shared_across_instances: p.scalability?.shared ?? null,
    revocation_propagation_ms: p.scalability?.propagationMs ?? null,
    slug: t.slug,
    ceiling_rps: median(ceilings),
    ratio_min: ratioMin,
    ratio_max: ratioMax,
    rps_min: rpsMin,
    rps_max: rpsMax,
    cpu_us_guarded: cpu.length ? median(cpu.map((c) => c.guarded)) : null,
    cpu_us_public: cpu.length ? median(cpu.map((c) => c.public)) : null,
    cpu_ratio: cpu.length ? median(cpuRatios) : null,
    cpu_ratio_min: cpu.length ? spread(cpuRatios).min : null,
    cpu_ratio_max: cpu.length ? spread(cpuRatios).max : null,
    notes: p.notes,
    noise: noise.length ? noise.join(', ') : null,
  };
}

async function runScale(plan: CpuPlan, infra: Infra): Promise<ScaleOutput | null> {
  const out = join(workDir, 'scale.json');
  const args = [
    '--expose-gc',
    join(root, 'dist/bench/scale.js'),
    '--out',
    out,
    '--sizes',
    settings.scaleSizes,
    '--samples',
    String(settings.scaleSamples),
  ];
  if (infra.redis) args.push('--redis-url', infra.redis.url);
  args.push('--postgres-url', postgresServer());
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = startProcess({
    name: 'scale',
    command: process.execPath,
    args,
    cpu: plan.server,
    env,
    cwd: root,
  });
  child.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const code = await child.exited;
  if (code !== 0) {
    say(`scale rows failed (${code}):\n${child.lastLines()}`);
    return null;
  }
  return JSON.parse(readFileSync(out, 'utf8')) as ScaleOutput;
}

async function profileRun(plan: CpuPlan): Promise<void> {
  const target = allTargets().find((t) => t.slug === 'ref-memory')!;
  const ctx = context(null);
  const dir = join(workDir, 'profile');
  mkdirSync(dir, { recursive: true });
  const server = await startServer(target, ctx, {
    cpu: plan.server,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  const credential = await target.login(server.base);
  if (!credential) throw new Error('login failed');
  const generator = pickLoadGenerator();
  const load = (duration: number) =>
    runLoad(generator, {
      url: `${server.base}/bench/guarded`,
      headers: credential.headers,
      duration,
      connections: settings.connections,
    });
  await load(2);
  const from = Number(process.hrtime.bigint() / 1000n);
  const result = await load(quick ? 5 : 15);
  const to = Number(process.hrtime.bigint() / 1000n);
  server.process.child.kill('SIGUSR2');
  await server.process.exited;
  const summary = summariseProfile(dir, root, from, to, 25);
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `CPU profile of Chirp (reference × memory, production mode) under load on GET /bench/guarded: ` +
      `${Math.round(result.rps)} req/s; ${summary.samples} busy samples in the load window ` +
      '(idle, start-up and shutdown left out)',
    '',
    `${pct(summary.guard)}  inside the guard (canActivate, inclusive); of which, by self time:`,
    ...summary.guardFunctions.map((f) => `  ${pct(f.share)}  ${f.what}`),
    '',
    'self time by area:',
    ...summary.areas.map((a) => `  ${pct(a.share)}  ${a.what}`),
    '',
    'top self-time functions:',
    ...summary.functions.map((f) => `  ${pct(f.share)}  ${f.what}`),
  ];
  writeFileSync(join(dir, 'summary.txt'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n\nprofile: ${dir}\n`);
}

function context(infra: Infra | null): RunContext {
  return {
    root,
    workDir,
    redisUrl: infra?.redis?.url ?? null,
    postgresUrl: infra?.database?.url ?? null,
    jwtSecret: randomBytes(48).toString('base64'),
  };
}

async function writeOutputs(run: RunResults): Promise<void> {
  const dir = join(root, 'bench');
  writeFileSync(join(dir, 'results.json'), json(run));
  let md = markdown(run);
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(join(dir, 'RESULTS.md'))) ?? {};
    md = await prettier.format(md, { ...options, parser: 'markdown' });
  } catch {
    // prettier is a dev dependency; without it the file is still valid Markdown.
  }
  writeFileSync(join(dir, 'RESULTS.md'), md);
  const subtitle =
    `${run.date.slice(0, 10)} · ${run.quick ? 'quick run · ' : ''}` +
    `${run.loadGenerator}, ${run.rounds} rounds × ${run.durationSec} s · ${machine().split(',').slice(0, 2).join(',')}`;
  writeFileSync(join(dir, 'results.svg'), ratioChart(run.rows, subtitle));
}

async function main(): Promise<void> {
  mkdirSync(workDir, { recursive: true });
  const plan = planCpus();
  pinSelf(plan.load);
  say(`nest-sessions benchmark${quick ? ' (quick)' : ''}: ${plan.note}`);
  if (flags.profile) {
    await profileRun(plan);
    return;
  }
  // The 1-minute load average would still count this run's own build (tsc): measure instead
  // how busy the machine is over two quiet seconds before anything starts.
  const busyBefore = await machineBusyShare(2_000);
  const only = flags.only?.split(',').map((s) => s.trim());
  const targets = allTargets().filter(
    (t) => !only || only.some((o) => t.slug === o || t.name.includes(o)),
  );
  let infra: Infra | null = null;
  const skipped: Skipped[] = [];
  try {
    infra = await startInfra(plan, targets);
    current = infra;
    const ctx = context(infra);
    const runnable: Target[] = [];
    for (const target of targets) {
      if (target.needs.includes('postgres') && !infra.database) {
        skipped.push({
          name: target.name,
          reason: `PostgreSQL unreachable: ${infra.databaseReason}`,
        });
      } else if (target.needs.includes('redis') && !infra.redis) {
        skipped.push({ name: target.name, reason: `Redis unavailable: ${infra.redisReason}` });
      } else {
        runnable.push(target);
      }
    }
    // Probing is not measuring: a few configurations at a time, to save time.
    const outcomes = await inBatches(runnable, PROBE_CONCURRENCY, async (target) => {
      say(
        quick
          ? `${target.name}: starting…`
          : `${target.name}: starting, probing restart and a second instance…`,
      );
      const since = performance.now();
      try {
        const probed = await probe(target, ctx, plan);
        say(`${target.name}: ready in ${((performance.now() - since) / 1000).toFixed(1)} s`);
        return probed;
      } catch (error) {
        const reason = (error as Error).message.split('\n')[0];
        say(`${target.name}: skipped (${reason})`);
        skipped.push({ name: target.name, reason });
        return null;
      }
    });
    const probed = outcomes.filter((p): p is Probed => p !== null);
    await probeRedisRestart(probed, infra.redis);
    const { rounds, invalid } = await loadPhase(probed, plan);
    await Promise.all(probed.map((p) => p.server.process.stop()));
    const rows: RowResult[] = [];
    for (const p of probed) {
      const reason = invalid.get(p);
      const done = rounds.get(p) ?? [];
      if (reason || !done.length) {
        skipped.push({ name: p.target.name, reason: reason ?? 'no valid round' });
        continue;
      }
      rows.push(rowOf(p, done));
    }
    const scale = flags['no-scale'] ? null : await runScale(plan, infra);
    if (scale)
      for (const s of scale.skipped) skipped.push({ name: `scale: ${s.store}`, reason: s.reason });
    const noiseReasons = rows.filter((r) => r.noise).map((r) => `${r.name}: ${r.noise}`);
    if (busyBefore !== null && busyBefore > NOISE_BUSY_BEFORE) {
      noiseReasons.unshift(
        `other work kept the CPUs ${(busyBefore * 100).toFixed(0)} % busy just before the run`,
      );
    }
    const ceiling =
      rows.find((r) => r.slug === 'ref-memory') ?? rows.find((r) => r.kind === 'ours');
    const partial = {
      rows,
      scale: scale?.scale ?? [],
      bytesPerSession: scale?.bytes_per_session ?? [],
      revokeAll: scale?.revoke_all ?? [],
    };
    const run: RunResults = {
      machine: machine(),
      date: new Date().toISOString(),
      command: command(),
      quick,
      loadGenerator: pickLoadGenerator() === 'wrk' ? 'wrk (1 thread)' : 'autocannon 9',
      pinning: plan.note,
      rounds: settings.rounds,
      durationSec: settings.duration,
      connections: settings.connections,
      ceilingRps: ceiling?.ceiling_rps ?? 0,
      ...partial,
      skipped,
      noisy: noiseReasons.length > 0,
      noiseReasons,
      targets: checkTargets(partial),
      wallSeconds: (performance.now() - started) / 1000,
    };
    await writeOutputs(run);
    process.stdout.write(`\n${textTable(run)}\n\n${textSummary(run)}\n`);
    process.stdout.write(
      `\nwrote bench/results.json, bench/RESULTS.md, bench/results.svg in ${Math.round(run.wallSeconds)} s\n`,
    );
  } finally {
    await releaseInfra(infra);
    // SQLite files and Redis's directory: nothing worth keeping.
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The infrastructure of the run in progress, for the signal handlers. */
let current: Infra | null = null;

process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping every process the benchmark started…`);
    void releaseInfra(current).finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  say(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  killAllSync();
}
