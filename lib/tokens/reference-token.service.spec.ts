import { afterEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { ManualClock } from '../clock.js';
import type { SessionEvent } from '../events/session-event.js';
import type { SessionModuleOptions } from '../session-options.interface.js';
import { SessionModule } from '../session.module.js';
import { SessionService } from '../sessions/session.service.js';
import { MemorySessionStore } from '../stores/memory-session.store.js';
import { hashToken, isOpaqueToken } from './opaque-token.js';
import { ReferenceTokenService } from './reference-token.service.js';
import { TokenService } from './token.service.js';
import type { IssuedTokens } from './token.types.js';

const IDLE = 60_000;
const TOUCH = 10_000;
const ABSOLUTE = 300_000;
const GRACE = 5_000;
const ALICE = { userId: 'alice', permissions: ['post:like', 'post:create'] };

interface Harness {
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly clock: ManualClock;
  readonly events: SessionEvent[];
}

let moduleRef: TestingModule | undefined;

afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

/** Builds the real module with a manual clock; every event lands in `events`. */
async function setup(overrides: SessionModuleOptions = {}): Promise<Harness> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const events: SessionEvent[] = [];
  moduleRef = await Test.createTestingModule({
    imports: [
      SessionModule.forRoot({
        store: new MemorySessionStore(),
        clock,
        idleTimeout: IDLE,
        touchInterval: TOUCH,
        absoluteTimeout: ABSOLUTE,
        refreshGracePeriod: GRACE,
        sweepInterval: 0,
        onEvent: (event) => events.push(event),
        ...overrides,
      }),
    ],
  }).compile();
  return {
    tokens: moduleRef.get(TokenService),
    sessions: moduleRef.get(SessionService),
    clock,
    events,
  };
}

const pairOf = (t: IssuedTokens) => ({ accessToken: t.accessToken, refreshToken: t.refreshToken });

describe('ReferenceTokenService (through SessionModule)', () => {
  it('is the TokenService the module provides', async () => {
    const { tokens } = await setup();
    expect(tokens).toBeInstanceOf(ReferenceTokenService);
    expect(tokens.strategy).toBe('reference');
  });

  describe('issue and verify', () => {
    it('issues two distinct opaque tokens and verifies the access token to a principal', async () => {
      const { tokens, clock } = await setup();
      const issued = await tokens.issue(ALICE, { userAgent: 'jest', ip: '127.0.0.1' });
      expect(isOpaqueToken(issued.accessToken)).toBe(true);
      expect(isOpaqueToken(issued.refreshToken)).toBe(true);
      expect(issued.accessToken).not.toBe(issued.refreshToken);
      expect(issued).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: IDLE / 1000,
        userId: 'alice',
      });

      const principal = await tokens.verify(issued.accessToken);
      expect(principal).toEqual({
        userId: 'alice',
        sessionId: issued.sessionId,
        permissions: new Set(ALICE.permissions),
        expiresAt: clock.now() + IDLE,
      });
    });

    it('refuses unknown, malformed and refresh tokens as access tokens', async () => {
      const { tokens } = await setup();
      const issued = await tokens.issue(ALICE);
      expect(await tokens.verify(issued.refreshToken)).toBeNull();
      expect(await tokens.verify('A'.repeat(43))).toBeNull();
      expect(await tokens.verify(`${issued.accessToken}x`)).toBeNull();
      expect(await tokens.verify(issued.accessToken.slice(1))).toBeNull();
      expect(await tokens.verify(hashToken(issued.accessToken))).toBeNull();
    });
  });

  describe('idle timeout', () => {
    it('ends a session left idle for idleTimeout, and a use inside it keeps it alive', async () => {
      const { tokens, clock } = await setup();
      const loginAt = clock.now();
      const used = await tokens.issue(ALICE);
      const idle = await tokens.issue(ALICE);

      clock.set(loginAt + IDLE - 1);
      expect(await tokens.verify(used.accessToken)).not.toBeNull(); // recorded: idle restarts
      expect(await tokens.verify(idle.accessToken)).not.toBeNull(); // recorded too

      clock.set(loginAt + 2 * IDLE - 2);
      expect(await tokens.verify(used.accessToken)).not.toBeNull();
      clock.set(loginAt + 2 * IDLE - 1);
      expect(await tokens.verify(idle.accessToken)).toBeNull();
      expect(await tokens.verify(idle.accessToken)).toBeNull(); // and stays dead
      expect(await tokens.verify(used.accessToken)).not.toBeNull();
    });

    it('records activity at most once per touchInterval', async () => {
      const { tokens, sessions, clock } = await setup();
      const issued = await tokens.issue(ALICE);
      const loginAt = clock.now();
      const lastActive = async () => (await sessions.list('alice'))[0]?.lastActiveAt;

      clock.advance(TOUCH - 1);
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      expect(await lastActive()).toBe(loginAt);

      clock.advance(1);
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      expect(await lastActive()).toBe(loginAt + TOUCH);
    });

    it('lets a session end up to touchInterval early, never late', async () => {
      const { tokens, clock } = await setup();
      const issued = await tokens.issue(ALICE);
      clock.advance(TOUCH - 1); // a use that is not recorded
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      clock.advance(IDLE - TOUCH + 1); // IDLE after login
      expect(await tokens.verify(issued.accessToken)).toBeNull();
    });

    it('reports when the credential stops working at the latest', async () => {
      const { tokens, clock } = await setup();
      const issued = await tokens.issue(ALICE);
      clock.advance(TOUCH);
      expect((await tokens.verify(issued.accessToken))?.expiresAt).toBe(clock.now() + IDLE);
    });
  });

  describe('absolute timeout', () => {
    it('ends the session at absoluteTimeout however busy it is', async () => {
      const { tokens, clock } = await setup();
      const loginAt = clock.now();
      const issued = await tokens.issue(ALICE);
      for (let t = TOUCH; t < ABSOLUTE; t += TOUCH) {
        clock.set(loginAt + t);
        expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      }
      clock.set(loginAt + ABSOLUTE - 1);
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
      clock.set(loginAt + ABSOLUTE);
      expect(await tokens.verify(issued.accessToken)).toBeNull();
    });

    it('is not extended by refreshing', async () => {
      const { tokens, clock } = await setup();
      let current = await tokens.issue(ALICE);
      const loginAt = clock.now();
      while (clock.now() + IDLE / 2 < loginAt + ABSOLUTE) {
        clock.advance(IDLE / 2);
        const next = await tokens.refresh(current.refreshToken);
        expect(next).not.toBeNull();
        current = next!;
      }
      clock.set(loginAt + ABSOLUTE - 1);
      const principal = await tokens.verify(current.accessToken);
      expect(principal?.expiresAt).toBe(loginAt + ABSOLUTE);
      clock.set(loginAt + ABSOLUTE);
      expect(await tokens.verify(current.accessToken)).toBeNull();
      expect(await tokens.refresh(current.refreshToken)).toBeNull();
    });
  });

  describe('refresh rotation', () => {
    it('returns a new pair for the same session and kills the old access token', async () => {
      const { tokens, clock } = await setup();
      const first = await tokens.issue(ALICE);
      clock.advance(1_000);
      const second = await tokens.refresh(first.refreshToken);
      expect(second).not.toBeNull();
      expect(second!.sessionId).toBe(first.sessionId);
      expect(second!.accessToken).not.toBe(first.accessToken);
      expect(second!.refreshToken).not.toBe(first.refreshToken);
      expect(await tokens.verify(first.accessToken)).toBeNull();
      expect((await tokens.verify(second!.accessToken))?.sessionId).toBe(first.sessionId);
    });

    it('refuses refresh tokens that were never issued, and access tokens', async () => {
      const { tokens } = await setup();
      const issued = await tokens.issue(ALICE);
      expect(await tokens.refresh('B'.repeat(43))).toBeNull();
      expect(await tokens.refresh(issued.accessToken)).toBeNull();
      expect(await tokens.refresh('short')).toBeNull();
      expect(await tokens.verify(issued.accessToken)).not.toBeNull();
    });

    it('revokes the whole session when a token older than the predecessor comes back', async () => {
      const { tokens, clock, events } = await setup();
      const r0 = await tokens.issue(ALICE);
      clock.advance(1_000);
      const r1 = (await tokens.refresh(r0.refreshToken))!;
      clock.advance(1_000);
      const r2 = (await tokens.refresh(r1.refreshToken))!;
      expect(r2).not.toBeNull();

      expect(await tokens.refresh(r0.refreshToken)).toBeNull();
      expect(await tokens.verify(r2.accessToken)).toBeNull();
      expect(await tokens.refresh(r2.refreshToken)).toBeNull();
      expect(events.filter((e) => e.type === 'session.reuse-detected')).toEqual([
        expect.objectContaining({ userId: 'alice', sessionId: r0.sessionId }),
      ]);
    });

    it('revokes the whole session when the predecessor comes back after the grace window', async () => {
      const { tokens, clock } = await setup();
      const r0 = await tokens.issue(ALICE);
      const r1 = (await tokens.refresh(r0.refreshToken))!;
      clock.advance(GRACE + 1);
      expect(await tokens.refresh(r0.refreshToken)).toBeNull();
      expect(await tokens.verify(r1.accessToken)).toBeNull();
      expect(await tokens.refresh(r1.refreshToken)).toBeNull();
    });

    it('answers the predecessor replayed within the grace window with the same pair', async () => {
      const { tokens, clock, events } = await setup();
      const r0 = await tokens.issue(ALICE);
      const r1 = (await tokens.refresh(r0.refreshToken))!;
      clock.advance(GRACE);
      const replay = await tokens.refresh(r0.refreshToken);
      expect(replay).toEqual(r1);
      expect(await tokens.verify(r1.accessToken)).not.toBeNull();
      expect(events.some((e) => e.type === 'session.reuse-detected')).toBe(false);

      // The family lives on: the successor rotates as usual.
      const r2 = await tokens.refresh(r1.refreshToken);
      expect(r2).not.toBeNull();
      expect(await tokens.verify(r2!.accessToken)).not.toBeNull();
    });

    it('turns 10 parallel refreshes with one token into exactly one live pair', async () => {
      const { tokens, sessions } = await setup();
      const r0 = await tokens.issue(ALICE);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => tokens.refresh(r0.refreshToken)),
      );
      const succeeded = results.filter((r): r is IssuedTokens => r !== null);
      expect(succeeded.length).toBeGreaterThan(0);
      const pairs = new Set(succeeded.map((r) => JSON.stringify(pairOf(r))));
      expect(pairs.size).toBe(1);

      const winner = succeeded[0];
      expect(await tokens.verify(winner.accessToken)).not.toBeNull();
      expect(await tokens.verify(r0.accessToken)).toBeNull();
      expect(await sessions.list('alice')).toHaveLength(1);
      const next = await tokens.refresh(winner.refreshToken);
      expect(next).not.toBeNull();
      expect(await tokens.verify(next!.accessToken)).not.toBeNull();
    });
  });

  describe('maxSessionsPerUser', () => {
    it('evicts the oldest live session beyond the limit', async () => {
      const { tokens, sessions, clock, events } = await setup({ maxSessionsPerUser: 2 });
      const oldest = await tokens.issue(ALICE);
      clock.advance(1);
      const middle = await tokens.issue(ALICE);
      clock.advance(1);
      const bob = await tokens.issue({ userId: 'bob', permissions: [] });
      clock.advance(1);
      const newest = await tokens.issue(ALICE);

      expect(await tokens.verify(oldest.accessToken)).toBeNull();
      expect(await tokens.refresh(oldest.refreshToken)).toBeNull();
      expect(await tokens.verify(middle.accessToken)).not.toBeNull();
      expect(await tokens.verify(newest.accessToken)).not.toBeNull();
      expect(await tokens.verify(bob.accessToken)).not.toBeNull();
      expect((await sessions.list('alice')).map((s) => s.id)).toEqual([
        newest.sessionId,
        middle.sessionId,
      ]);
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'session.revoked',
          sessionId: oldest.sessionId,
          reason: 'evicted',
        }),
      );
    });
  });

  describe('events', () => {
    it('never carry a raw token or a full token hash', async () => {
      const { tokens, sessions, clock, events } = await setup({ maxSessionsPerUser: 1 });
      const issued: IssuedTokens[] = [];
      const a = await tokens.issue(ALICE);
      issued.push(a);
      await tokens.verify(a.accessToken);
      const b = (await tokens.refresh(a.refreshToken))!;
      issued.push(b);
      issued.push((await tokens.refresh(a.refreshToken))!); // grace replay
      clock.advance(GRACE + 1);
      await tokens.refresh(a.refreshToken); // reuse: revokes
      const c = await tokens.issue(ALICE);
      issued.push(c);
      const d = await tokens.issue(ALICE); // evicts c
      issued.push(d);
      await sessions.revoke(d.sessionId);
      await sessions.revokeAll('alice');

      const types = new Set(events.map((e) => e.type));
      expect(types).toEqual(
        new Set([
          'session.created',
          'session.refreshed',
          'session.reuse-detected',
          'session.revoked',
        ]),
      );
      const secrets = issued.flatMap((t) => [t.accessToken, t.refreshToken]);
      const hashes = secrets.map(hashToken);
      for (const event of events) {
        const text = JSON.stringify(event);
        for (const secret of [...secrets, ...hashes]) expect(text).not.toContain(secret);
      }
    });
  });
});
