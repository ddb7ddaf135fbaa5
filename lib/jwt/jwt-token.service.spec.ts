import { afterEach, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { createHmac, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { ManualClock } from '../clock.js';
import { SessionConfigurationError } from '../exceptions/session-configuration.error.js';
import { SessionModule } from '../session.module.js';
import type { SessionModuleOptions } from '../session-options.interface.js';
import { SessionService } from '../sessions/session.service.js';
import { MemorySessionStore } from '../stores/memory-session.store.js';
import { TokenService } from '../tokens/token.service.js';
import type { JwtStrategyOptions } from './jwt-options.interface.js';
import { ACCESS_TOKEN_TYPE, JwtTokenService } from './jwt-token.service.js';

const T = Date.UTC(2026, 0, 1); // a whole second
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const TTL = 60_000;
const PERMISSIONS = ['post:create', 'post:read'];

interface Instance {
  readonly tokens: JwtTokenService;
  readonly sessions: SessionService;
  close(): Promise<void>;
}

const open: Instance[] = [];

/** A JwtTokenService built through SessionModule, lifecycle hooks run (`init`). */
async function instance(
  jwt: JwtStrategyOptions,
  options: Omit<SessionModuleOptions, 'strategy' | 'jwt'> = {},
): Promise<Instance> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      SessionModule.forRoot({
        sweepInterval: 0,
        ...options,
        strategy: 'value',
        jwt: { accessTokenTtl: TTL, revocationPollInterval: 0, ...jwt },
      }),
    ],
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  const tokens = moduleRef.get(TokenService);
  if (!(tokens instanceof JwtTokenService)) throw new Error('expected JwtTokenService');
  const built = { tokens, sessions: moduleRef.get(SessionService), close: () => moduleRef.close() };
  open.push(built);
  return built;
}

const decode = (token: string, part: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[part], 'base64url').toString()) as Record<
    string,
    unknown
  >;

describe('JwtTokenService', () => {
  afterEach(async () => {
    for (const built of open.splice(0)) await built.close();
  });

  it('issues an at+jwt token whose verification yields the principal', async () => {
    const clock = new ManualClock(T);
    const { tokens } = await instance({ secret: randomBytes(32) }, { clock });
    const issued = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
    expect(decode(issued.accessToken, 0)).toEqual({
      alg: 'HS256',
      typ: ACCESS_TOKEN_TYPE,
      kid: 'default',
    });
    expect(issued.expiresIn).toBe(TTL / 1000);
    const principal = await tokens.verify(issued.accessToken);
    expect(principal).toEqual({
      userId: 'alice',
      sessionId: issued.sessionId,
      permissions: new Set(PERMISSIONS),
      expiresAt: T + TTL,
    });
  });

  it('S20: accepts a token until the second before exp, refuses it from exp on (no leeway)', async () => {
    const clock = new ManualClock(T);
    const { tokens } = await instance({ secret: randomBytes(32) }, { clock });
    const { accessToken } = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
    expect(decode(accessToken, 1).exp).toBe((T + TTL) / 1000);
    clock.set(T + TTL - 1);
    expect(await tokens.verify(accessToken)).not.toBeNull();
    clock.set(T + TTL);
    expect(await tokens.verify(accessToken)).toBeNull();
  });

  it('S20: extends acceptance past exp by exactly the leeway', async () => {
    const clock = new ManualClock(T);
    const { tokens } = await instance({ secret: randomBytes(32), leeway: 30_000 }, { clock });
    const { accessToken } = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
    clock.set(T + TTL + 15_000); // exp − leeway/2 … within leeway
    expect(await tokens.verify(accessToken)).not.toBeNull();
    clock.set(T + TTL + 30_000 - 1);
    expect(await tokens.verify(accessToken)).not.toBeNull();
    clock.set(T + TTL + 30_000);
    expect(await tokens.verify(accessToken)).toBeNull();
  });

  it('S21: refuses a token issued in its future beyond the leeway (an instance whose clock runs ahead)', async () => {
    const secret = randomBytes(32);
    const ahead = new ManualClock(T + 5_000);
    const behind = new ManualClock(T);
    const store = new MemorySessionStore();
    const issuer = await instance({ secret }, { clock: ahead, store });
    const strict = await instance({ secret }, { clock: behind, store });
    const tolerant = await instance({ secret, leeway: 5_000 }, { clock: behind, store });
    const { accessToken } = await issuer.tokens.issue({ userId: 'a', permissions: PERMISSIONS });
    expect(await strict.tokens.verify(accessToken)).toBeNull();
    expect(await tolerant.tokens.verify(accessToken)).not.toBeNull();
    behind.set(T + 5_000);
    expect(await strict.tokens.verify(accessToken)).not.toBeNull();
  });

  it('S20: refuses a validly signed token living longer than accessTokenTtl', async () => {
    const secret = randomBytes(32);
    const clock = new ManualClock(T);
    const store = new MemorySessionStore();
    const longLived = await instance({ secret, accessTokenTtl: TTL + 1_000 }, { clock, store });
    const strict = await instance({ secret }, { clock, store });
    const { accessToken } = await longLived.tokens.issue({ userId: 'a', permissions: [] });
    expect(await longLived.tokens.verify(accessToken)).not.toBeNull();
    expect(await strict.tokens.verify(accessToken)).toBeNull();
  });

  it('never lets a token outlive its session’s absolute timeout', async () => {
    const clock = new ManualClock(T);
    const { tokens } = await instance(
      { secret: randomBytes(32) },
      { clock, idleTimeout: 60_000, absoluteTimeout: 90_000 },
    );
    const first = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
    clock.set(T + 50_000);
    const refreshed = await tokens.refresh(first.refreshToken);
    expect(refreshed).not.toBeNull();
    expect(decode(refreshed!.accessToken, 1).exp).toBe((T + 90_000) / 1000);
    clock.set(T + 90_000);
    expect(await tokens.verify(refreshed!.accessToken)).toBeNull();
  });

  it('never hands out a token it would refuse itself (many embedded permissions)', async () => {
    const clock = new ManualClock(T);
    const { tokens } = await instance({ secret: randomBytes(32) }, { clock });
    // An admin role of a multi-tenant app: 120 fine-grained permissions, well under the
    // 256 the claim check allows.
    const permissions = Array.from({ length: 120 }, (_, i) => `tenant-${i}:documents:read:own`);
    // ~5 000 characters of token against the default maxTokenLength of 4 096: refused at
    // issue time, naming the fix, rather than handed out and refused on every request.
    await expect(tokens.issue({ userId: 'admin', permissions })).rejects.toThrow(
      /jwt\.maxTokenLength \(4096\).*embedPermissions: false/,
    );
    // Under the limit, what it hands out it accepts.
    const fits = await tokens.issue({ userId: 'admin', permissions: permissions.slice(0, 40) });
    expect(await tokens.verify(fits.accessToken)).not.toBeNull();
  });

  it('refreshGracePeriod: 0 treats a replay in the same millisecond as reuse, like any other', async () => {
    const clock = new ManualClock(T);
    const { tokens } = await instance(
      { secret: randomBytes(32) },
      { clock, refreshGracePeriod: 0 },
    );
    const first = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
    const second = await tokens.refresh(first.refreshToken);
    expect(second).not.toBeNull();
    expect(await tokens.refresh(first.refreshToken)).toBeNull();
    expect(await tokens.verify(second!.accessToken)).toBeNull();
  });

  it('keys stay imported once: wiping the configured secret buffer after boot changes nothing', async () => {
    const clock = new ManualClock(T);
    const secret = randomBytes(32);
    const copy = Buffer.from(secret);
    const { tokens } = await instance({ secret }, { clock });
    secret.fill(0);
    const { accessToken } = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
    const [h, p, s] = accessToken.split('.');
    expect(createHmac('sha256', copy).update(`${h}.${p}`).digest('base64url')).toBe(s);
    expect(await tokens.verify(accessToken)).not.toBeNull();
  });

  it('on a verify-only instance (public key alone) verifies, and refuses to issue without creating a session', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(publicKey).toBeInstanceOf(KeyObject);
    const clock = new ManualClock(T);
    const store = new MemorySessionStore();
    const signer = await instance(
      { keys: [{ kid: 'es', algorithm: 'ES256', privateKey }] },
      { clock, store },
    );
    const verifier = await instance(
      { keys: [{ kid: 'es', algorithm: 'ES256', publicKey }] },
      { clock, store },
    );
    const { accessToken } = await signer.tokens.issue({ userId: 'alice', permissions: [] });
    expect(await verifier.tokens.verify(accessToken)).not.toBeNull();
    expect(verifier.tokens.jwks().keys).toHaveLength(1);
    await expect(verifier.tokens.issue({ userId: 'bob', permissions: [] })).rejects.toThrow();
    expect((await store.listByUser('bob')).sessions).toHaveLength(0);
  });

  it('publishes no HMAC secret in its JWKS', async () => {
    const { tokens } = await instance({ secret: randomBytes(32) });
    expect(tokens.jwks()).toEqual({ keys: [] });
  });

  describe('key rotation', () => {
    it('verifies old-key tokens while the old key is configured, and not once it is removed', async () => {
      const clock = new ManualClock(T);
      const store = new MemorySessionStore();
      const oldKey = { kid: '2025-12', algorithm: 'HS256' as const, secret: randomBytes(32) };
      const newKey = { kid: '2026-01', algorithm: 'ES256' as const, privateKey: ec.privateKey };
      const before = await instance({ keys: [oldKey] }, { clock, store });
      const during = await instance({ keys: [newKey, oldKey] }, { clock, store });
      const after = await instance({ keys: [newKey] }, { clock, store });
      const old = await before.tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      const fresh = await during.tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      expect(decode(old.accessToken, 0).kid).toBe('2025-12');
      expect(decode(fresh.accessToken, 0)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: '2026-01' });
      expect(await during.tokens.verify(old.accessToken)).not.toBeNull();
      expect(await during.tokens.verify(fresh.accessToken)).not.toBeNull();
      expect(await after.tokens.verify(fresh.accessToken)).not.toBeNull();
      expect(await after.tokens.verify(old.accessToken)).toBeNull();
      expect(await before.tokens.verify(fresh.accessToken)).toBeNull();
    });

    it('matches kid exactly: the old key under a look-alike kid verifies nothing', async () => {
      const clock = new ManualClock(T);
      const oldKey = { kid: '2025-12', algorithm: 'HS256' as const, secret: randomBytes(32) };
      const newKey = { kid: '2026-01', algorithm: 'HS256' as const, secret: randomBytes(32) };
      const { tokens } = await instance({ keys: [newKey, oldKey] }, { clock });
      const { accessToken } = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      const [, payload] = accessToken.split('.');
      const resign = (kid: unknown, secret: Buffer) => {
        const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid })).toString(
          'base64url',
        );
        const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
        return `${header}.${payload}.${mac}`;
      };
      // Positive control: the harness signs correctly.
      expect(await tokens.verify(resign('2025-12', oldKey.secret))).not.toBeNull();
      for (const kid of [
        '2025-12 ',
        '2025-12\u0000',
        '2025-1',
        '2025-12x',
        '2026-01',
        ['2025-12'],
      ]) {
        expect(await tokens.verify(resign(kid, oldKey.secret))).toBeNull();
      }
      expect(await tokens.verify(resign('2025-12', newKey.secret))).toBeNull();
    });
  });

  describe('bootstrap refusals (S17)', () => {
    const boot = (jwt: unknown) =>
      Test.createTestingModule({
        imports: [SessionModule.forRoot({ strategy: 'value', jwt: jwt as JwtStrategyOptions })],
      }).compile();
    const pem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

    it.each([
      ['no jwt options', undefined, /"jwt"/],
      ['no key', {}, /"jwt" has no key/],
      ['a missing secret', { secret: undefined }, /"jwt" has no key/],
      ['an empty secret', { secret: '' }, /empty/],
      ["'short'", { secret: 'short' }, /secret/],
      ['31 random bytes', { secret: randomBytes(31) }, /too short for HS256/],
      ["'your-256-bit-secret'", { secret: 'your-256-bit-secret' }, /well-known/],
      ["'secret'", { secret: 'secret' }, /well-known/],
      ['a PEM public key', { secret: pem }, /PEM/],
      ['one byte repeated', { secret: Buffer.alloc(64, 7) }, /distinct bytes/],
      ['an empty Buffer', { secret: Buffer.alloc(0) }, /empty|distinct bytes/],
    ])('refuses to start with %s as the secret', async (_name, jwt, message) => {
      const error = await boot(jwt).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(SessionConfigurationError);
      expect((error as Error).message).toMatch(message);
      expect((error as SessionConfigurationError).option).toMatch(/^jwt/);
    });

    it('refuses RSA under 2048 bits, DSA or EC keys for RS256, and a mismatched ES256 pair', async () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      for (const key of [
        { kid: 'k', algorithm: 'RS256', privateKey: small.privateKey },
        { kid: 'k', algorithm: 'RS256', publicKey: small.publicKey },
        { kid: 'k', algorithm: 'RS256', privateKey: dsa.privateKey },
        { kid: 'k', algorithm: 'RS256', privateKey: ec.privateKey },
        { kid: 'k', algorithm: 'ES256', privateKey: ec.privateKey, publicKey: other.publicKey },
      ]) {
        const error = await boot({ keys: [key] }).then(
          () => null,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(SessionConfigurationError);
        expect((error as SessionConfigurationError).option).toBe('jwt.keys[0]');
      }
    });
  });

  describe('embedPermissions: false', () => {
    it('reads permissions and liveness from the store at every verification', async () => {
      const clock = new ManualClock(T);
      const { tokens, sessions } = await instance(
        { secret: randomBytes(32), embedPermissions: false },
        { clock },
      );
      const issued = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      expect(decode(issued.accessToken, 1)).not.toHaveProperty('permissions');
      expect((await tokens.verify(issued.accessToken))?.permissions).toEqual(new Set(PERMISSIONS));
      await sessions.setPermissions('alice', ['post:read']);
      expect((await tokens.verify(issued.accessToken))?.permissions).toEqual(
        new Set(['post:read']),
      );
      await sessions.revoke(issued.sessionId);
      expect(await tokens.verify(issued.accessToken)).toBeNull();
    });
  });

  describe('revocations between instances', () => {
    it('holds at once where it was made, and on another instance after syncRevocations()', async () => {
      const secret = randomBytes(32);
      const clock = new ManualClock(T);
      const store = new MemorySessionStore();
      const a = await instance({ secret }, { clock, store });
      const b = await instance({ secret }, { clock, store });
      const issued = await a.tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      await a.sessions.revoke(issued.sessionId);
      expect(await a.tokens.verify(issued.accessToken)).toBeNull();
      expect(await b.tokens.verify(issued.accessToken)).not.toBeNull();
      expect(await b.tokens.syncRevocations()).toBe(1);
      expect(await b.tokens.verify(issued.accessToken)).toBeNull();
      expect(await b.tokens.syncRevocations()).toBe(0);
    });

    it('an instance started after a revocation knows it from boot', async () => {
      const secret = randomBytes(32);
      const clock = new ManualClock(T);
      const store = new MemorySessionStore();
      const a = await instance({ secret }, { clock, store });
      const issued = await a.tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      await a.sessions.revokeAll('alice');
      clock.advance(TTL / 2);
      const late = await instance({ secret }, { clock, store });
      expect(await late.tokens.verify(issued.accessToken)).toBeNull();
    });

    it('does not lose a revocation made by an instance whose clock is 10 s behind', async () => {
      const secret = randomBytes(32);
      const store = new MemorySessionStore();
      const behind = new ManualClock(T);
      const ahead = new ManualClock(T + 10_000);
      const a = await instance({ secret }, { clock: behind, store });
      const b = await instance({ secret }, { clock: ahead, store });
      const issued = await a.tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      await b.tokens.syncRevocations();
      expect(await b.tokens.verify(issued.accessToken)).not.toBeNull();
      await a.sessions.revoke(issued.sessionId);
      behind.advance(1_000);
      ahead.advance(1_000);
      await b.tokens.syncRevocations();
      expect(await b.tokens.verify(issued.accessToken)).toBeNull();
    });

    it('revokeEverything refuses older tokens, judges its own second by the store, accepts later ones', async () => {
      const clock = new ManualClock(T + 300);
      const { tokens, sessions } = await instance({ secret: randomBytes(32) }, { clock });
      const earlier = await tokens.issue({ userId: 'bob', permissions: PERMISSIONS });
      clock.advance(1_000);
      const before = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      await sessions.revokeEverything();
      expect(await tokens.verify(earlier.accessToken)).toBeNull();
      // Same second as the incident: the session is gone from the store, so refused.
      expect(await tokens.verify(before.accessToken)).toBeNull();
      expect(await tokens.refresh(before.refreshToken)).toBeNull();
      // A login in that same second, after the call, has a live session: accepted.
      const sameSecond = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      expect(await tokens.verify(sameSecond.accessToken)).not.toBeNull();
      clock.set(T + 2_000);
      const next = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      expect(await tokens.verify(next.accessToken)).not.toBeNull();
    });
  });

  describe('verified-token cache', () => {
    it('a token verified before is still refused after revokeEverything, and a changed copy never passes', async () => {
      const clock = new ManualClock(T + 300);
      const { tokens, sessions } = await instance({ secret: randomBytes(32) }, { clock });
      const issued = await tokens.issue({ userId: 'bob', permissions: PERMISSIONS });
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      const [header, payload, signature] = issued.accessToken.split('.');
      const flipped = signature[0] === 'A' ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      expect(await tokens.verify(`${header}.${payload}.${flipped}`)).toBeNull();
      const forged = Buffer.from(
        JSON.stringify({ ...decode(issued.accessToken, 1), sub: 'mallory' }),
      ).toString('base64url');
      expect(await tokens.verify(`${header}.${forged}.${signature}`)).toBeNull();
      clock.advance(1_000);
      await sessions.revokeEverything();
      expect(await tokens.verify(issued.accessToken)).toBeNull();
    });

    it('a token verified before is refused once its user is logged out everywhere', async () => {
      const clock = new ManualClock(T);
      const { tokens, sessions } = await instance({ secret: randomBytes(32) }, { clock });
      const issued = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      await sessions.revokeAll('alice');
      expect(await tokens.verify(issued.accessToken)).toBeNull();
    });

    it('verifiedTokenCacheSize: 0 verifies every time, with the same answers', async () => {
      const clock = new ManualClock(T);
      const { tokens, sessions } = await instance(
        { secret: randomBytes(32), verifiedTokenCacheSize: 0 },
        { clock },
      );
      const issued = await tokens.issue({ userId: 'alice', permissions: PERMISSIONS });
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      await sessions.revoke(issued.sessionId);
      expect(await tokens.verify(issued.accessToken)).toBeNull();
    });

    it.each([-1, 1.5, '10', 1_000_001])(
      'refuses verifiedTokenCacheSize %p at boot, naming the option',
      async (size) => {
        await expect(
          instance({ secret: randomBytes(32), verifiedTokenCacheSize: size as number }),
        ).rejects.toThrow(/jwt\.verifiedTokenCacheSize/);
      },
    );
  });
});
