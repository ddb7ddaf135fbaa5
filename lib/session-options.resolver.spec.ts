import { describe, expect, it } from '@jest/globals';
import { ManualClock, SystemClock } from './clock.js';
import { SessionConfigurationError } from './exceptions/session-configuration.error.js';
import { Argon2PasswordHasher } from './passwords/argon2-password.hasher.js';
import type { SessionModuleOptions } from './session-options.interface.js';
import { resolveSessionOptions } from './session-options.resolver.js';
import { MemorySessionStore } from './stores/memory-session.store.js';

/** The error `resolveSessionOptions(options)` throws; fails the test if it throws none. */
function configurationError(options: unknown): SessionConfigurationError {
  try {
    resolveSessionOptions(options as SessionModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigurationError);
    return error as SessionConfigurationError;
  }
  throw new Error(`expected a SessionConfigurationError for ${JSON.stringify(options)}`);
}

/** Asserts the error names `option` and carries a "Fix:" that mentions `fixHint`. */
function expectRejected(options: unknown, option: string, fixHint: string): void {
  const error = configurationError(options);
  expect(error.option).toBe(option);
  expect(error.message).toContain(`"${option}"`);
  const fix = error.message.slice(error.message.indexOf('Fix:'));
  expect(fix.startsWith('Fix: ')).toBe(true);
  expect(fix).toContain(fixHint);
}

describe('resolveSessionOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveSessionOptions({});
    expect(resolved).toMatchObject({
      strategy: 'reference',
      idleTimeout: 900_000,
      absoluteTimeout: 1_209_600_000,
      touchInterval: 60_000,
      refreshGracePeriod: 5_000,
      maxSessionsPerUser: null,
      storeTimeout: 2_000,
      sweepInterval: 600_000,
      onEvent: null,
    });
    expect(resolved.store).toBeInstanceOf(MemorySessionStore);
    expect(resolved.clock).toBeInstanceOf(SystemClock);
    expect(resolved.passwordHasher).toBeInstanceOf(Argon2PasswordHasher);
    expect(resolveSessionOptions().idleTimeout).toBe(900_000);
  });

  it('defaults touchInterval to a quarter of a short idleTimeout', () => {
    expect(resolveSessionOptions({ idleTimeout: 40_000 }).touchInterval).toBe(10_000);
    expect(resolveSessionOptions({ idleTimeout: 1 }).touchInterval).toBe(1);
  });

  it('keeps valid explicit values, including the zeros that mean "off"', () => {
    const store = new MemorySessionStore();
    const clock = new ManualClock(0);
    const onEvent = () => undefined;
    const resolved = resolveSessionOptions({
      store,
      clock,
      onEvent,
      idleTimeout: 1_000,
      absoluteTimeout: 1_000,
      touchInterval: 1_000,
      refreshGracePeriod: 0,
      sweepInterval: 0,
      maxSessionsPerUser: 3,
      storeTimeout: 50,
    });
    expect(resolved).toMatchObject({
      idleTimeout: 1_000,
      absoluteTimeout: 1_000,
      touchInterval: 1_000,
      refreshGracePeriod: 0,
      sweepInterval: 0,
      maxSessionsPerUser: 3,
      storeTimeout: 50,
    });
    expect(resolved.store).toBe(store);
    expect(resolved.clock).toBe(clock);
    expect(resolved.onEvent).toBe(onEvent);
  });

  it('accepts the module extras isGlobal and globalGuard', () => {
    expect(() =>
      resolveSessionOptions({ isGlobal: true, globalGuard: true } as never),
    ).not.toThrow();
  });

  it('refuses an unknown key, naming it and listing the known ones', () => {
    expectRejected({ idleTimeOut: 5 }, 'idleTimeOut', 'idleTimeout');
  });

  it('refuses options that are not an object', () => {
    expectRejected(null, 'options', 'SessionModule.forRoot');
    expectRejected('fast', 'options', 'SessionModule.forRoot');
  });

  it('refuses an unknown strategy', () => {
    expectRejected({ strategy: 'jwt' }, 'strategy', "strategy: 'reference'");
  });

  it.each([
    ['idleTimeout', -1],
    ['idleTimeout', 0],
    ['idleTimeout', 1.5],
    ['idleTimeout', '900000'],
    ['idleTimeout', Number.NaN],
    ['idleTimeout', Number.POSITIVE_INFINITY],
    ['absoluteTimeout', -60_000],
    ['absoluteTimeout', 2.5],
    ['absoluteTimeout', '14d'],
    ['touchInterval', -1],
    ['touchInterval', 0.5],
    ['touchInterval', '60000'],
    ['refreshGracePeriod', -1],
    ['refreshGracePeriod', 0.1],
    ['refreshGracePeriod', '5s'],
    ['storeTimeout', 0],
    ['storeTimeout', -5],
    ['storeTimeout', 1.25],
    ['storeTimeout', '2000'],
    ['sweepInterval', -1],
    ['sweepInterval', 3.3],
    ['sweepInterval', '600000'],
  ])('refuses %s = %p, saying what to pass instead', (option, value) => {
    expectRejected({ [option]: value }, option, `${option}: `);
    expect(configurationError({ [option]: value }).message).toContain('milliseconds');
  });

  it('refuses an absoluteTimeout shorter than idleTimeout', () => {
    expectRejected(
      { idleTimeout: 60_000, absoluteTimeout: 59_999 },
      'absoluteTimeout',
      'raise absoluteTimeout or lower idleTimeout',
    );
  });

  it('refuses a touchInterval longer than idleTimeout', () => {
    expectRejected({ idleTimeout: 60_000, touchInterval: 60_001 }, 'touchInterval', 'idleTimeout');
  });

  it.each([0, -1, 2.5, '10', Number.NaN])('refuses maxSessionsPerUser = %p', (value) => {
    expectRejected({ maxSessionsPerUser: value }, 'maxSessionsPerUser', 'null for no limit');
  });

  it('accepts maxSessionsPerUser = null as "no limit"', () => {
    expect(resolveSessionOptions({ maxSessionsPerUser: null }).maxSessionsPerUser).toBeNull();
  });

  it('refuses a store that does not extend SessionStore, even if it looks like one', () => {
    const lookalike = Object.fromEntries(
      Object.getOwnPropertyNames(MemorySessionStore.prototype).map((name) => [name, () => null]),
    );
    expectRejected({ store: lookalike }, 'store', 'new TypeOrmSessionStore(dataSource)');
    expectRejected({ store: 'memory' }, 'store', 'omit it');
  });

  it('refuses a clock that does not extend Clock', () => {
    expectRejected({ clock: { now: () => 0 } }, 'clock', 'new ManualClock()');
    expectRejected({ clock: Date }, 'clock', 'ManualClock');
  });

  it('refuses a passwordHasher that does not extend PasswordHasher', () => {
    expectRejected({ passwordHasher: { hash: () => '' } }, 'passwordHasher', 'PasswordHasher');
  });

  it('refuses an onEvent that is not a function', () => {
    expectRejected({ onEvent: 'log' }, 'onEvent', 'onEvent: (event) =>');
    expectRejected({ onEvent: null }, 'onEvent', 'onEvent: (event) =>');
  });
});
