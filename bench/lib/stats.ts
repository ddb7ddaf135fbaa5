/** Small statistics over samples: medians, spreads, percentiles. */

/** The value below which `p` (0–100) percent of `sorted` lies (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Median of `values` (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Smallest and largest of `values`. */
export function spread(values: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Relative spread of `values`: (max − min) / median. A run whose rounds differ by more
 * than a threshold of this is flagged as noisy.
 */
export function relativeSpread(values: readonly number[]): number {
  const m = median(values);
  if (!(m > 0) || values.length < 2) return 0;
  const { min, max } = spread(values);
  return (max - min) / m;
}

/** Rounds to `digits` decimals (for reports). */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A growable buffer of float samples, sorted on demand. */
export class Samples {
  private data = new Float64Array(1 << 14);
  private count = 0;

  /** Number of samples held. */
  get length(): number {
    return this.count;
  }

  /** Adds one sample. */
  push(value: number): void {
    if (this.count === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.count++] = value;
  }

  /** The samples, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.data.slice(0, this.count).sort();
  }
}
