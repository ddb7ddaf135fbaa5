/**
 * A tiny seeded PRNG (mulberry32) and helpers for the fuzz suite. Same seed, same run:
 * a failure is reproduced by running with the seed printed in the test title
 * (`SECURITY_FUZZ_SEED=<seed>`).
 */
export class Prng {
  private state: number;

  /** @param seed any 32-bit integer */
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** `length` random bytes. */
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** A string of `length` characters drawn from `alphabet`. */
  string(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  /** A length skewed towards small values, up to `max`. */
  length(max: number): number {
    const r = this.next();
    return Math.min(max, Math.floor(r * r * r * (max + 1)));
  }
}

/** The seed of this run: `SECURITY_FUZZ_SEED` if set (to replay a failure), else random. */
export function fuzzSeed(): number {
  const fromEnv = process.env.SECURITY_FUZZ_SEED;
  if (fromEnv !== undefined && /^\d{1,10}$/.test(fromEnv)) return Number(fromEnv) >>> 0;
  return Math.floor(Math.random() * 4_294_967_296) >>> 0;
}
