interface Interned<T> {
  readonly value: T;
  refs: number;
}

/**
 * One shared instance per distinct value, counted, so that a million sessions opened from a
 * few browsers hold a few user-agent strings rather than a million copies (each request
 * brings its own copy of the header). An instance is forgotten when its last holder lets go,
 * so values nobody holds any more (an attacker's random user agents, say) do not pile up.
 *
 * @example
 * const agents = new Interner<string>((s) => s);
 * const a = agents.acquire(fromRequestOne); // stored
 * const b = agents.acquire(fromRequestTwo); // same text: a === b
 * agents.release(a); agents.release(b);     // forgotten
 */
export class Interner<T> {
  private readonly byKey = new Map<string, Interned<T>>();

  /** @param keyOf a string that two values share exactly when they are interchangeable. */
  constructor(private readonly keyOf: (value: T) => string) {}

  /** Number of distinct values held. */
  get size(): number {
    return this.byKey.size;
  }

  /** The shared instance equal to `value` (storing `value` if there is none); counts one holder. */
  acquire(value: T): T {
    const key = this.keyOf(value);
    const found = this.byKey.get(key);
    if (found) {
      found.refs++;
      return found.value;
    }
    this.byKey.set(key, { value, refs: 1 });
    return value;
  }

  /** Lets go of one holder of `value`; the instance is forgotten with its last holder. */
  release(value: T): void {
    const key = this.keyOf(value);
    const found = this.byKey.get(key);
    if (!found) return;
    if (--found.refs === 0) this.byKey.delete(key);
  }

  /** Forgets every instance. */
  clear(): void {
    this.byKey.clear();
  }
}
