import { describe, expect, it } from '@jest/globals';
import { RevocationList, type RevocationClaims } from './revocation-list.js';
import type { RevocationNotice } from './revocation-notice.js';

const T = 1_767_225_600_000; // ms
const LIFETIME = 16_000;
const S1 = 'S1AAAAAAAAAAAAAAAAAAAA';
const S2 = 'S2AAAAAAAAAAAAAAAAAAAA';
let ids = 0;

const sessionNotice = (sessionId: string, userId = 'alice', at = T): RevocationNotice => ({
  kind: 'session',
  id: `n${++ids}`,
  sessionId,
  userId,
  at,
  expiresAt: at + LIFETIME,
});
const userNotice = (
  epoch: number,
  keepSessionId: string | null = null,
  userId = 'alice',
  at = T,
): RevocationNotice => ({
  kind: 'user',
  id: `n${++ids}`,
  userId,
  epoch,
  keepSessionId,
  at,
  expiresAt: at + LIFETIME,
});
const allNotice = (at = T): RevocationNotice => ({
  kind: 'all',
  id: `n${++ids}`,
  at,
  expiresAt: at + LIFETIME,
});
const token = (changes: Partial<RevocationClaims> = {}): RevocationClaims => ({
  sub: 'alice',
  sid: S1,
  ep: 0,
  iat: T / 1000 - 10,
  ...changes,
});

describe('RevocationList', () => {
  it('revokes nothing while empty', () => {
    const list = new RevocationList();
    expect(list.isRevoked(token())).toBe(false);
    expect(list.size).toBe(0);
  });

  it('revokes every token of a revoked session, whatever its epoch or age, and only those', () => {
    const list = new RevocationList();
    list.apply(sessionNotice(S1));
    expect(list.isRevoked(token())).toBe(true);
    expect(list.isRevoked(token({ ep: 5, iat: T / 1000 + 5 }))).toBe(true);
    expect(list.isRevoked(token({ sid: S2 }))).toBe(false);
  });

  it('applies a notice once: the same id again reports false and changes nothing', () => {
    const list = new RevocationList();
    const notice = sessionNotice(S1);
    expect(list.apply(notice)).toBe(true);
    expect(list.apply(notice)).toBe(false);
    expect(list.apply({ ...notice })).toBe(false);
    expect(list.size).toBe(1);
  });

  it("revokes a user's tokens minted before the new epoch, not later ones nor other users'", () => {
    const list = new RevocationList();
    list.apply(userNotice(1));
    expect(list.isRevoked(token({ ep: 0 }))).toBe(true);
    expect(list.isRevoked(token({ ep: 0, sid: S2 }))).toBe(true);
    expect(list.isRevoked(token({ ep: 1 }))).toBe(false);
    expect(list.isRevoked(token({ ep: 2 }))).toBe(false);
    expect(list.isRevoked(token({ ep: 0, sub: 'bob' }))).toBe(false);
  });

  it('keeps the kept session of a "log out other devices", and only it', () => {
    const list = new RevocationList();
    list.apply(userNotice(1, S1));
    expect(list.isRevoked(token({ ep: 0, sid: S1 }))).toBe(false);
    expect(list.isRevoked(token({ ep: 0, sid: S2 }))).toBe(true);
  });

  it('does not let a later keep resurrect a session an earlier notice revoked', () => {
    const list = new RevocationList();
    list.apply(userNotice(1, null));
    list.apply(userNotice(2, S1));
    expect(list.isRevoked(token({ ep: 0, sid: S1 }))).toBe(true);
    expect(list.isRevoked(token({ ep: 1, sid: S1 }))).toBe(false);
    expect(list.isRevoked(token({ ep: 1, sid: S2 }))).toBe(true);
  });

  it('keeps the kept session across two "log out other devices" in a row', () => {
    // The store keeps S1 both times (epoch 0 → 1 → 2); its token minted at epoch 0 is still
    // the current one of a live session, as with reference tokens.
    const list = new RevocationList();
    list.apply(userNotice(1, S1));
    list.apply(userNotice(2, S1));
    expect(list.isRevoked(token({ ep: 0, sid: S1 }))).toBe(false);
    expect(list.isRevoked(token({ ep: 1, sid: S1 }))).toBe(false);
    expect(list.isRevoked(token({ ep: 1, sid: S2 }))).toBe(true);
  });

  it('judges user notices the same whatever order they arrive in', () => {
    const inOrder = new RevocationList();
    const reversed = new RevocationList();
    const first = userNotice(1, null);
    const second = userNotice(2, S1);
    inOrder.apply(first);
    inOrder.apply(second);
    reversed.apply(second);
    reversed.apply(first);
    for (const claims of [
      token({ ep: 0, sid: S1 }),
      token({ ep: 1, sid: S1 }),
      token({ ep: 1, sid: S2 }),
      token({ ep: 2, sid: S2 }),
    ]) {
      expect(reversed.isRevoked(claims)).toBe(inOrder.isRevoked(claims));
    }
    expect(reversed.isRevoked(token({ ep: 0, sid: S1 }))).toBe(true);
  });

  it('revokes tokens of earlier seconds than a global revocation; defers its own second to the store', () => {
    const list = new RevocationList();
    const at = T + 400; // 400 ms into a second
    list.apply(allNotice(at));
    const second = Math.floor(at / 1000);
    expect(list.isRevoked(token({ iat: second - 100 }))).toBe(true);
    expect(list.isRevoked(token({ iat: second - 1 }))).toBe(true);
    // The incident's own second: before or after the call cannot be told from iat.
    expect(list.isRevoked(token({ iat: second }))).toBe(false);
    expect(list.needsStoreCheck(token({ iat: second }))).toBe(true);
    for (const iat of [second - 1, second + 1]) {
      expect(list.needsStoreCheck(token({ iat }))).toBe(false);
    }
    expect(list.isRevoked(token({ iat: second + 1 }))).toBe(false);
    expect(list.isRevoked(token({ iat: second + 1, sub: 'bob', sid: S2 }))).toBe(false);
  });

  it('forgets notices once every token they concern has expired, not before', () => {
    const list = new RevocationList();
    list.apply(sessionNotice(S1));
    list.apply(userNotice(1, null, 'bob'));
    list.apply(allNotice());
    list.prune(T + LIFETIME - 1);
    expect(list.size).toBe(3);
    expect(list.isRevoked(token())).toBe(true);
    expect(list.isRevoked(token({ sub: 'bob', sid: S2, iat: T / 1000 + 5 }))).toBe(true);
    expect(list.isRevoked(token({ sid: S2, iat: T / 1000 - 1 }))).toBe(true);
    list.prune(T + LIFETIME);
    expect(list.size).toBe(0);
    expect(list.isRevoked(token())).toBe(false);
    expect(list.isRevoked(token({ sub: 'bob', sid: S2, iat: T / 1000 + 5 }))).toBe(false);
    expect(list.isRevoked(token({ sid: S2, iat: T / 1000 - 1 }))).toBe(false);
  });

  it('keeps a session revoked until the latest of its notices expires', () => {
    const list = new RevocationList();
    list.apply(sessionNotice(S1, 'alice', T));
    list.apply(sessionNotice(S1, 'alice', T + 5_000));
    list.prune(T + LIFETIME);
    expect(list.isRevoked(token())).toBe(true);
    list.prune(T + 5_000 + LIFETIME);
    expect(list.isRevoked(token())).toBe(false);
  });
});
