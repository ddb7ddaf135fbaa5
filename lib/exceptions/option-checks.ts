import { describeValue, SessionConfigurationError } from './session-configuration.error.js';

/**
 * Refuses the first key of `options` that is not in `known`: a misspelt option would
 * otherwise be ignored in silence and its default used.
 *
 * @param parent the options' own name (`'jwt'`, `'cookies.csrf'`), or `null` at the top level.
 * @throws SessionConfigurationError naming `<parent>.<key>` and listing the known keys.
 * @example
 * rejectUnknownOptions({ idleTimout: 5 }, new Set(['idleTimeout']), null); // throws
 */
export function rejectUnknownOptions(
  options: object,
  known: ReadonlySet<string>,
  parent: string | null,
): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new SessionConfigurationError(
        parent === null ? key : `${parent}.${key}`,
        'is not a known option',
        `remove it, or check the spelling against: ${[...known].join(', ')}`,
      );
    }
  }
}

/** How {@link wholeNumberOption} judges a value. */
export interface WholeNumberRule {
  /** Smallest value allowed. */
  readonly min: number;
  /** Used when the value is `undefined`. */
  readonly fallback: number;
  /** What the number counts, for the message (e.g. `'milliseconds'`); none by default. */
  readonly unit?: string;
  /** A good value, as source text, for the fix (default: `fallback`). */
  readonly example?: string;
}

/**
 * A numeric option: `fallback` when `undefined`, else a safe integer of at least `min`.
 *
 * @throws SessionConfigurationError naming the option, the bound and an example.
 * @example
 * wholeNumberOption('storeTimeout', options.storeTimeout, { min: 1, fallback: 2_000, unit: 'milliseconds' });
 */
export function wholeNumberOption(option: string, value: unknown, rule: WholeNumberRule): number {
  if (value === undefined) return rule.fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= rule.min) return value;
  const what = rule.unit === undefined ? 'whole number' : `whole number of ${rule.unit}`;
  throw new SessionConfigurationError(
    option,
    `must be a ${what} ≥ ${rule.min} (got ${describeValue(value)})`,
    `pass e.g. ${option.split('.').at(-1)}: ${rule.example ?? String(rule.fallback)}, or leave it out for the default`,
  );
}
