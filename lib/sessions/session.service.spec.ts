import { afterEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { ManualClock } from '../clock.js';
import type { SessionEvent } from '../events/session-event.js';
import { SessionModule } from '../session.module.js';
import { MemorySessionStore } from '../stores/memory-session.store.js';
import { TokenService } from '../tokens/token.service.js';
import { SessionService } from './session.service.js';

let moduleRef: TestingModule | undefined;

afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

async function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const events: SessionEvent[] = [];
  moduleRef = await Test.createTestingModule({
    imports: [
      SessionModule.forRoot({
        store: new MemorySessionStore(),
        clock,
        idleTimeout: 60_000,
        absoluteTimeout: 600_000,
        sweepInterval: 0,
        onEvent: (event) => events.push(event),
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

const alice = { userId: 'alice', permissions: ['post:like'] };
const bob = { userId: 'bob', permissions: ['post:like'] };

describe('SessionService (through SessionModule)', () => {
  describe('list', () => {
    it("lists only the user's live sessions, newest first, without tokens", async () => {
      const { tokens, sessions, clock } = await setup();
      const first = await tokens.issue(alice, { userAgent: 'firefox', ip: '10.0.0.1' });
      clock.advance(1_000);
      const revoked = await tokens.issue(alice);
      clock.advance(1_000);
      await tokens.issue(bob);
      const last = await tokens.issue(alice, { userAgent: 'curl' });
      await sessions.revoke(revoked.sessionId);

      const listed = await sessions.list('alice');
      expect(listed.map((s) => s.id)).toEqual([last.sessionId, first.sessionId]);
      expect(listed[1]).toEqual({
        id: first.sessionId,
        createdAt: clock.now() - 2_000,
        lastActiveAt: clock.now() - 2_000,
        expiresAt: clock.now() - 2_000 + 600_000,
        userAgent: 'firefox',
        ip: '10.0.0.1',
      });
      const text = JSON.stringify(listed);
      for (const secret of [first.accessToken, first.refreshToken, last.accessToken]) {
        expect(text).not.toContain(secret);
      }
      expect(await sessions.list('nobody')).toEqual([]);
    });

    it('leaves out sessions past their absolute end and sessions revoked by revokeAll', async () => {
      const { tokens, sessions, clock } = await setup();
      await tokens.issue(alice);
      clock.advance(600_000);
      expect(await sessions.list('alice')).toEqual([]);

      await tokens.issue(bob);
      await sessions.revokeAll('bob');
      expect(await sessions.list('bob')).toEqual([]);
      const again = await tokens.issue(bob);
      expect((await sessions.list('bob')).map((s) => s.id)).toEqual([again.sessionId]);
    });
  });

  describe('revoke', () => {
    it('ends one session: both its tokens stop working, the others keep working', async () => {
      const { tokens, sessions, events } = await setup();
      const a1 = await tokens.issue(alice);
      const a2 = await tokens.issue(alice);
      expect(await sessions.revoke(a1.sessionId, { reason: 'logout' })).toBe(true);
      expect(await tokens.verify(a1.accessToken)).toBeNull();
      expect(await tokens.refresh(a1.refreshToken)).toBeNull();
      expect(await tokens.verify(a2.accessToken)).not.toBeNull();
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'session.revoked',
          sessionId: a1.sessionId,
          reason: 'logout',
        }),
      );
      expect(await sessions.revoke(a1.sessionId)).toBe(false);
    });

    it("refuses, with false, to revoke another user's session when userId is given", async () => {
      const { tokens, sessions } = await setup();
      const a = await tokens.issue(alice);
      expect(await sessions.revoke(a.sessionId, { userId: 'bob' })).toBe(false);
      expect(await tokens.verify(a.accessToken)).not.toBeNull();
      expect(await sessions.revoke(a.sessionId, { userId: 'alice' })).toBe(true);
      expect(await tokens.verify(a.accessToken)).toBeNull();
    });

    it('answers false for ids that are malformed or unknown', async () => {
      const { sessions } = await setup();
      expect(await sessions.revoke('not-a-session-id')).toBe(false);
      expect(await sessions.revoke('A'.repeat(22))).toBe(false);
    });
  });

  describe('revokeAll', () => {
    it("ends every session of the user and no one else's", async () => {
      const { tokens, sessions } = await setup();
      const a1 = await tokens.issue(alice);
      const a2 = await tokens.issue(alice);
      const b = await tokens.issue(bob);
      await sessions.revokeAll('alice');
      for (const t of [a1, a2]) {
        expect(await tokens.verify(t.accessToken)).toBeNull();
        expect(await tokens.refresh(t.refreshToken)).toBeNull();
      }
      expect(await tokens.verify(b.accessToken)).not.toBeNull();
    });

    it('keeps the session named in except', async () => {
      const { tokens, sessions, events } = await setup();
      const current = await tokens.issue(alice);
      const other = await tokens.issue(alice);
      await sessions.revokeAll('alice', { except: current.sessionId });
      expect(await tokens.verify(other.accessToken)).toBeNull();
      expect(await tokens.verify(current.accessToken)).not.toBeNull();
      expect(await tokens.refresh(current.refreshToken)).not.toBeNull();
      expect((await sessions.list('alice')).map((s) => s.id)).toEqual([current.sessionId]);
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'session.revoked',
          userId: 'alice',
          reason: 'revoke-others',
        }),
      );
    });

    it("cannot keep another user's session through except", async () => {
      const { tokens, sessions } = await setup();
      const a = await tokens.issue(alice);
      const b = await tokens.issue(bob);
      await sessions.revokeAll('alice', { except: b.sessionId });
      expect(await tokens.verify(a.accessToken)).toBeNull();
      expect(await tokens.verify(b.accessToken)).not.toBeNull();
    });
  });

  describe('setPermissions', () => {
    it('reaches verify() on the very next call, for every session of the user', async () => {
      const { tokens, sessions } = await setup();
      const a1 = await tokens.issue(alice);
      const a2 = await tokens.issue(alice);
      const b = await tokens.issue(bob);
      expect((await tokens.verify(a1.accessToken))?.permissions).toEqual(new Set(['post:like']));

      await sessions.setPermissions('alice', ['post:like', 'post:delete:any']);
      for (const t of [a1, a2]) {
        expect((await tokens.verify(t.accessToken))?.permissions).toEqual(
          new Set(['post:like', 'post:delete:any']),
        );
      }
      expect((await tokens.verify(b.accessToken))?.permissions).toEqual(new Set(['post:like']));

      await sessions.setPermissions('alice', []);
      expect((await tokens.verify(a1.accessToken))?.permissions).toEqual(new Set());
    });
  });
});
