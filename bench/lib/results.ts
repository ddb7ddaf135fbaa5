/** What one row of the benchmark measured (the schema's fields, then the extras the report shows). */
export interface RowResult {
  readonly name: string;
  readonly kind: 'ours' | 'peer';
  readonly strategy: 'reference' | 'value' | null;
  readonly store: string;
  /** Median requests/s of the guarded route over the rounds. */
  readonly rps: number;
  /** Median over the rounds of guarded / public requests/s (same app, same round). */
  readonly ratio: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly survives_app_restart: boolean | null;
  readonly survives_store_restart: boolean | null;
  readonly shared_across_instances: boolean | null;
  readonly revocation_propagation_ms: number | null;
  /** Short id. */
  readonly slug: string;
  /** Median requests/s of the same app's public twin. */
  readonly ceiling_rps: number;
  /** Smallest and largest per-round ratio. */
  readonly ratio_min: number;
  readonly ratio_max: number;
  /** Smallest and largest per-round guarded requests/s. */
  readonly rps_min: number;
  readonly rps_max: number;
  /**
   * Median server CPU time per response (µs, all of the app's threads) on the guarded and the
   * public route; `null` where `/proc` cannot be read.
   */
  readonly cpu_us_guarded: number | null;
  readonly cpu_us_public: number | null;
  /**
   * Median over the rounds of public ÷ guarded CPU per response: the throughput ratio the app
   * would reach if its CPU were the only limit. Work done in other processes (Redis,
   * PostgreSQL) is not in it.
   */
  readonly cpu_ratio: number | null;
  readonly cpu_ratio_min: number | null;
  readonly cpu_ratio_max: number | null;
  /** Remarks (columns not measured and why, propagation trials, …). */
  readonly notes: string[];
  /** Why this row's numbers are noisy, or `null`. */
  readonly noise: string | null;
}

/** A configuration that could not run, and why. */
export interface Skipped {
  readonly name: string;
  readonly reason: string;
}

/** One target of the issue, checked against the numbers. */
export interface TargetCheck {
  /** What the issue asks. */
  readonly target: string;
  /** What was measured, in words. */
  readonly measured: string;
  /** `true` met, `false` missed, `null` not measured in this run. */
  readonly met: boolean | null;
}

/** Everything a run produced. */
export interface RunResults {
  readonly machine: string;
  readonly date: string;
  readonly command: string;
  readonly quick: boolean;
  readonly loadGenerator: string;
  readonly pinning: string;
  readonly rounds: number;
  readonly durationSec: number;
  readonly connections: number;
  /** Median public-route requests/s of Chirp (reference × memory): the ceiling. */
  readonly ceilingRps: number;
  readonly rows: RowResult[];
  readonly scale: { store: string; sessions: number; verify_p50_us: number }[];
  readonly bytesPerSession: { store: string; sessions: number; bytes: number }[];
  readonly revokeAll: { store: string; sessions: number; first_ms: number; median_ms: number }[];
  readonly skipped: Skipped[];
  readonly noisy: boolean;
  readonly noiseReasons: string[];
  readonly targets: TargetCheck[];
  readonly wallSeconds: number;
}
