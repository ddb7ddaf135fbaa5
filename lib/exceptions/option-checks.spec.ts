import { describe, expect, it } from '@jest/globals';
import { rejectUnknownOptions, wholeNumberOption } from './option-checks.js';
import { SessionConfigurationError } from './session-configuration.error.js';

function thrownBy(run: () => unknown): SessionConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof SessionConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a SessionConfigurationError');
}

describe('rejectUnknownOptions', () => {
  const known = new Set(['idleTimeout', 'store']);

  it('lets known keys through', () => {
    expect(() => rejectUnknownOptions({ idleTimeout: 1, store: null }, known, null)).not.toThrow();
  });

  it('names a misspelt key under its parent and lists the known ones', () => {
    const error = thrownBy(() => rejectUnknownOptions({ idleTimout: 1 }, known, 'cookies.csrf'));
    expect(error.option).toBe('cookies.csrf.idleTimout');
    expect(error.message).toContain('is not a known option');
    expect(error.message).toContain('idleTimeout, store');
    expect(thrownBy(() => rejectUnknownOptions({ x: 1 }, known, null)).option).toBe('x');
  });
});

describe('wholeNumberOption', () => {
  const rule = { min: 1, fallback: 500, unit: 'milliseconds' };

  it('returns the fallback for undefined and a valid value as it is', () => {
    expect(wholeNumberOption('commandTimeout', undefined, rule)).toBe(500);
    expect(wholeNumberOption('commandTimeout', 1, rule)).toBe(1);
    expect(wholeNumberOption('size', 0, { min: 0, fallback: 10 })).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, '100', null])(
    'refuses %p, naming the bound, the unit and an example',
    (value) => {
      const error = thrownBy(() => wholeNumberOption('commandTimeout', value, rule));
      expect(error.option).toBe('commandTimeout');
      expect(error.message).toContain('must be a whole number of milliseconds ≥ 1');
      expect(error.message).toContain('pass e.g. commandTimeout: 500');
    },
  );

  it('uses the given example and the last part of a dotted name in the fix', () => {
    const error = thrownBy(() =>
      wholeNumberOption('jwt.leeway', -1, { min: 0, fallback: 0, example: '5_000' }),
    );
    expect(error.message).toContain('must be a whole number ≥ 0 (got -1)');
    expect(error.message).toContain('pass e.g. leeway: 5_000');
  });
});
