import { Clock, SystemClock } from './clock.js';
import {
  resolveCookieOptions,
  type ResolvedCookieOptions,
} from './cookies/resolve-cookie-options.js';
import type { SessionEventHandler } from './events/session-event.js';
import {
  describeValue,
  SessionConfigurationError,
} from './exceptions/session-configuration.error.js';
import type { SessionModuleOptions, TokenStrategy } from './session-options.interface.js';
import { resolveJwtOptions, type ResolvedJwtOptions } from './jwt/resolve-jwt-options.js';
import { Argon2PasswordHasher } from './passwords/argon2-password.hasher.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { rejectUnknownOptions, wholeNumberOption } from './exceptions/option-checks.js';
import { MemorySessionStore } from './stores/memory-session.store.js';
import { SessionStore } from './stores/session.store.js';

/** DI token of the resolved, validated options. */
export const SESSION_OPTIONS = Symbol('nest-sessions:options');

/** {@link SessionModuleOptions} after defaults and validation: every field present. */
export interface ResolvedSessionOptions {
  /** See {@link SessionModuleOptions.strategy}. */
  readonly strategy: TokenStrategy;
  /** See {@link SessionModuleOptions.jwt}; `null` with reference tokens. */
  readonly jwt: ResolvedJwtOptions | null;
  /** See {@link SessionModuleOptions.store}. */
  readonly store: SessionStore;
  /** See {@link SessionModuleOptions.idleTimeout} (ms). */
  readonly idleTimeout: number;
  /** See {@link SessionModuleOptions.absoluteTimeout} (ms). */
  readonly absoluteTimeout: number;
  /** See {@link SessionModuleOptions.touchInterval} (ms). */
  readonly touchInterval: number;
  /** See {@link SessionModuleOptions.refreshGracePeriod} (ms). */
  readonly refreshGracePeriod: number;
  /** See {@link SessionModuleOptions.maxSessionsPerUser}. */
  readonly maxSessionsPerUser: number | null;
  /** See {@link SessionModuleOptions.storeTimeout} (ms). */
  readonly storeTimeout: number;
  /** See {@link SessionModuleOptions.sweepInterval} (ms). */
  readonly sweepInterval: number;
  /** See {@link SessionModuleOptions.clock}. */
  readonly clock: Clock;
  /** See {@link SessionModuleOptions.passwordHasher}. */
  readonly passwordHasher: PasswordHasher;
  /** See {@link SessionModuleOptions.onEvent}. */
  readonly onEvent: SessionEventHandler | null;
  /** See {@link SessionModuleOptions.cookies}; `null` when cookie transport is off. */
  readonly cookies: ResolvedCookieOptions | null;
}

const KNOWN_OPTIONS = new Set([
  'strategy',
  'jwt',
  'store',
  'idleTimeout',
  'absoluteTimeout',
  'touchInterval',
  'refreshGracePeriod',
  'maxSessionsPerUser',
  'storeTimeout',
  'sweepInterval',
  'clock',
  'passwordHasher',
  'onEvent',
  'cookies',
  // set by ConfigurableModuleBuilder extras
  'isGlobal',
  'globalGuard',
]);

function duration(
  options: SessionModuleOptions,
  name: keyof SessionModuleOptions,
  fallback: number,
  { allowZero = false, example }: { allowZero?: boolean; example: string },
): number {
  return wholeNumberOption(name, options[name], {
    min: allowZero ? 0 : 1,
    fallback,
    unit: 'milliseconds',
    example,
  });
}

/**
 * Applies defaults to `options` and validates them, once, at boot.
 * @throws SessionConfigurationError naming the option and the fix.
 */
export function resolveSessionOptions(options: SessionModuleOptions = {}): ResolvedSessionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SessionConfigurationError(
      'options',
      'must be an object',
      'pass SessionModule.forRoot({}) or omit nothing but the options you change',
    );
  }
  rejectUnknownOptions(options, KNOWN_OPTIONS, null);
  const strategy = options.strategy ?? 'reference';
  if (strategy !== 'reference' && strategy !== 'value') {
    throw new SessionConfigurationError(
      'strategy',
      `must be 'reference' or 'value' (got ${describeValue(strategy)})`,
      "use strategy: 'reference' (opaque tokens) or strategy: 'value' (JWT, with jwt options)",
    );
  }
  if (strategy === 'reference' && options.jwt !== undefined) {
    throw new SessionConfigurationError(
      'jwt',
      "is set but strategy is 'reference'",
      "remove jwt, or set strategy: 'value'",
    );
  }
  const store = options.store ?? new MemorySessionStore();
  if (!(store instanceof SessionStore)) {
    throw new SessionConfigurationError(
      'store',
      'must be an instance of a class extending SessionStore',
      'pass e.g. store: new TypeOrmSessionStore(dataSource), or omit it for the memory store',
    );
  }
  const idleTimeout = duration(options, 'idleTimeout', 15 * 60_000, { example: '15 * 60_000' });
  const absoluteTimeout = duration(options, 'absoluteTimeout', 14 * 24 * 3_600_000, {
    example: '14 * 24 * 3_600_000',
  });
  if (absoluteTimeout < idleTimeout) {
    throw new SessionConfigurationError(
      'absoluteTimeout',
      `(${absoluteTimeout} ms) must not be shorter than idleTimeout (${idleTimeout} ms)`,
      'raise absoluteTimeout or lower idleTimeout',
    );
  }
  const touchInterval = duration(
    options,
    'touchInterval',
    Math.max(1, Math.min(60_000, Math.floor(idleTimeout / 4))),
    { example: '60_000' },
  );
  if (touchInterval > idleTimeout) {
    throw new SessionConfigurationError(
      'touchInterval',
      `(${touchInterval} ms) must not exceed idleTimeout (${idleTimeout} ms)`,
      'use at most a quarter of idleTimeout',
    );
  }
  const maxSessionsPerUser = options.maxSessionsPerUser ?? null;
  if (
    maxSessionsPerUser !== null &&
    !(Number.isSafeInteger(maxSessionsPerUser) && maxSessionsPerUser > 0)
  ) {
    throw new SessionConfigurationError(
      'maxSessionsPerUser',
      `must be a positive whole number or null (got ${describeValue(maxSessionsPerUser)})`,
      'pass e.g. maxSessionsPerUser: 10, or null for no limit',
    );
  }
  const clock = options.clock ?? new SystemClock();
  if (!(clock instanceof Clock)) {
    throw new SessionConfigurationError(
      'clock',
      'must be an instance of a class extending Clock',
      'pass new ManualClock() in tests, or omit it',
    );
  }
  const passwordHasher = options.passwordHasher ?? new Argon2PasswordHasher();
  if (!(passwordHasher instanceof PasswordHasher)) {
    throw new SessionConfigurationError(
      'passwordHasher',
      'must be an instance of a class extending PasswordHasher',
      'omit it for argon2id, or pass your own PasswordHasher subclass',
    );
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new SessionConfigurationError(
      'onEvent',
      'must be a function',
      'pass onEvent: (event) => logger.log(event)',
    );
  }
  return {
    strategy,
    jwt: strategy === 'value' ? resolveJwtOptions(options.jwt, absoluteTimeout) : null,
    store,
    idleTimeout,
    absoluteTimeout,
    touchInterval,
    refreshGracePeriod: duration(options, 'refreshGracePeriod', 5_000, {
      allowZero: true,
      example: '5_000',
    }),
    maxSessionsPerUser,
    storeTimeout: duration(options, 'storeTimeout', 2_000, { example: '2_000' }),
    sweepInterval: duration(options, 'sweepInterval', 10 * 60_000, {
      allowZero: true,
      example: '10 * 60_000',
    }),
    clock,
    passwordHasher,
    onEvent: options.onEvent ?? null,
    cookies: resolveCookieOptions(options.cookies),
  };
}
