import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { expectGeneric401, expectGenericError } from './support/expectations.js';
import {
  bearer,
  CORE_TARGETS,
  itKeepsSecretsOutOfTheLog,
  type SecurityChirp,
  securityConfigs,
  storeMatrix,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist B (S06–S13): opaque tokens. Reference access tokens, and the opaque refresh
// tokens both strategies use. Store-sensitive cases (S07, S09, S13) run on every store
// available (reference tokens; value tokens on the core stores, where they only store the
// refresh token); cases decided before any store call (S10, S11, S12: the call count is
// asserted) run on the core stores; S06's 1,000-token sample runs once (token generation
// does not depend on the store), with a few HTTP logins per core configuration.

const sha256hex = (token: string) => createHash('sha256').update(token).digest('hex');
const OPAQUE = /^[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Length of the longest common prefix of two strings. */
function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/** Checks a sample of opaque tokens for format, uniqueness and randomness (S06). */
function expectRandomTokens(tokens: readonly string[], forbidden: readonly string[]): void {
  expect(new Set(tokens).size).toBe(tokens.length);
  for (const token of tokens) {
    expect(token).toMatch(OPAQUE);
    expect(token).not.toMatch(UUID);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    for (const value of forbidden) expect(token.includes(value)).toBe(false);
  }
  // No common prefix beyond chance: among n sorted tokens the longest shared prefix is
  // about log64(n²) characters; 6 has a probability below 1e-5 for n = 1,000.
  const sorted = [...tokens].sort();
  let longest = 0;
  for (let i = 1; i < sorted.length; i++) {
    longest = Math.max(longest, commonPrefix(sorted[i - 1], sorted[i]));
  }
  expect(longest).toBeLessThan(tokens.length >= 500 ? 6 : 5);
}

/** Bit balance and per-byte spread of a large sample: what a counter or clock would break. */
function expectUniformBytes(tokens: readonly string[]): void {
  const bytes = tokens.map((t) => Buffer.from(t, 'base64url'));
  let ones = 0;
  for (const b of bytes) for (const byte of b) ones += byte.toString(2).replace(/0/g, '').length;
  const ratio = ones / (bytes.length * 256);
  expect(Math.abs(ratio - 0.5)).toBeLessThan(0.01); // 10 standard deviations at n = 1,000
  for (let position = 0; position < 32; position++) {
    const distinct = new Set(bytes.map((b) => b[position])).size;
    expect({ position, distinct: distinct > 200 }).toEqual({ position, distinct: true });
  }
}

describe('Security B: S06 token entropy, one sample of 1,000 sessions (reference tokens, memory store)', () => {
  const chirp = useSecurityChirp(securityConfigs(['memory'], ['reference'])[0]);

  it('S06: 1,000 access and 1,000 refresh tokens: unique, 43 base64url chars (256 bits), no prefix, counter, time or id', async () => {
    const access: string[] = [];
    const refresh: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const pair = await chirp.session(i % 2 ? 'alice' : 'bob');
      access.push(pair.accessToken);
      refresh.push(pair.refreshToken);
    }
    const now = String(chirp.clock.now());
    // Only ids and times long enough not to occur by chance (3 letters would, in 2,000 tokens).
    const forbidden = [chirp.ids.alice, chirp.ids.bob, now.slice(0, 8)];
    expectRandomTokens([...access, ...refresh], forbidden);
    expectUniformBytes(access);
    expectUniformBytes(refresh);
    expect(new Set([...access, ...refresh]).size).toBe(2000);
  });
});

describe.each(storeMatrix())('Security B: reference tokens ($name)', (config) => {
  const chirp = useSecurityChirp(config);
  let alice: TokenPair;
  let postA: number;

  beforeAll(async () => {
    alice = await chirp.session('alice');
    postA = await chirp.createPost(alice.accessToken, 'P_A');
  });

  // Store-independent cases (token format, parsing before any store call): core stores only.
  if (config.core) {
    it('S06: tokens from real logins are distinct, well-formed opaque tokens (refresh, and access for reference)', async () => {
      const pairs = [
        await chirp.login('alice'),
        await chirp.login('alice'),
        await chirp.login('bob'),
      ];
      const opaque = pairs.flatMap((p) =>
        config.strategy === 'reference' ? [p.accessToken, p.refreshToken] : [p.refreshToken],
      );
      expectRandomTokens(opaque, [chirp.ids.alice, chirp.ids.bob]);
      expect(new Set(pairs.map((p) => p.accessToken)).size).toBe(3);
    });
  }

  it('S07: an unknown 43-character token → 401, and no session is created for it', async () => {
    const unknown = randomBytes(32).toString('base64url');
    await chirp.probe(
      () => chirp.me(unknown),
      (res) => expectGeneric401(res, true, [unknown]),
    );
    await chirp.probe(
      () => chirp.http.post(`/posts/${postA}/like`).set(bearer(unknown)),
      (res) => expectGeneric401(res, true, [unknown]),
    );
    await chirp.probe(
      () => chirp.refresh(unknown),
      (res) => expectGenericError(res, 401, [unknown]),
    );
  });

  it('S07: the token of a session that ended (logout) → 401, nothing recreated', async () => {
    const pair = await chirp.session('alice');
    expect((await chirp.http.post('/auth/logout').set(bearer(pair.accessToken))).status).toBe(204);
    await chirp.probe(
      () => chirp.me(pair.accessToken),
      (res) => expectGeneric401(res, true, [pair.accessToken]),
    );
    await chirp.probe(
      () => chirp.refresh(pair.refreshToken),
      (res) => expectGenericError(res, 401, [pair.refreshToken]),
    );
  });

  it('S09: the store keeps SHA-256 hashes only; raw tokens appear nowhere; replaying a stored value → 401', async () => {
    const first = await chirp.session('alice');
    const refreshed = await chirp.refresh(first.refreshToken);
    expect(refreshed.status).toBe(200);
    const pair = refreshed.body as TokenPair;
    const listed = await chirp.store.listByUser(chirp.ids.alice);
    const record = listed.sessions.find((s) => s.refreshHash === sha256hex(pair.refreshToken));
    expect(record).toBeDefined();
    expect(record!.previousRefreshHash).toBe(sha256hex(first.refreshToken));
    expect(record!.accessHash).toBe(
      config.strategy === 'reference' ? sha256hex(pair.accessToken) : null,
    );
    // Everything the store holds for alice, and (SQL stores) every row of every table.
    let dump = JSON.stringify(listed);
    if (config.store !== 'memory') {
      for (const table of [
        'ns_sessions',
        'ns_refresh_tokens',
        'ns_session_subjects',
        'ns_revocations',
      ]) {
        dump += JSON.stringify(await chirp.harness.dataSource.query(`SELECT * FROM ${table}`));
      }
    }
    if (config.store === 'redis' || config.store === 'tiered') {
      const redis = JSON.stringify(await chirp.redisEntries());
      // The Redis store keeps the same hashes, packed to 43 base64url characters (the
      // tiered store's Redis is a cache of what the database holds).
      if (config.store === 'redis') {
        expect(redis).toContain(
          Buffer.from(sha256hex(pair.refreshToken), 'hex').toString('base64url'),
        );
      }
      dump += redis;
    }
    for (const token of [
      first.accessToken,
      first.refreshToken,
      pair.accessToken,
      pair.refreshToken,
    ]) {
      expect(dump.includes(token)).toBe(false);
      // Nor a token's base64url payload in another encoding (hex, base64).
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length === 32) {
        expect(dump.includes(bytes.toString('hex'))).toBe(false);
        expect(dump.includes(bytes.toString('base64'))).toBe(false);
      }
    }
    // The stored values are not credentials.
    for (const stored of [record!.refreshHash, record!.accessHash].filter(
      (v): v is string => typeof v === 'string',
    )) {
      await chirp.probe(
        () => chirp.me(stored),
        (res) => expectGeneric401(res, true, [stored]),
      );
      await chirp.probe(
        () => chirp.refresh(stored),
        (res) => expectGenericError(res, 401, [stored]),
      );
      const packed = Buffer.from(stored, 'hex').toString('base64url'); // Redis keeps hashes packed so
      await chirp.probe(
        () => chirp.me(packed),
        (res) => expectGeneric401(res, true, [packed]),
      );
    }
  });

  if (config.core) {
    describe('S10: injection through the token value → 401 before the store', () => {
      const values = [
        "' OR '1'='1",
        "x' OR '1'='1' --",
        '*',
        'session:*',
        'ns:*',
        '../../etc/passwd',
        '{"$ne":null}',
        '%2A',
        '1; DROP TABLE ns_sessions',
        '\\x00',
        'KEYS *',
      ];
      it.each(values)('S10: Bearer %s', async (value) => {
        let response: Awaited<ReturnType<SecurityChirp['me']>> | undefined;
        const calls = await chirp.countStoreCalls(async () => {
          response = await chirp.me(value);
        });
        expectGeneric401(response!, true);
        expect(calls).toBe(0);
        await chirp.probe(
          () => chirp.http.post(`/posts/${postA}/like`).set('Authorization', `Bearer ${value}`),
          (res) => expectGeneric401(res, true),
        );
      });

      it.each(values)('S10: refresh token %s → 401 without a store call', async (value) => {
        await chirp.probe(
          async () => {
            let response: Awaited<ReturnType<SecurityChirp['refresh']>> | undefined;
            const calls = await chirp.countStoreCalls(async () => {
              response = await chirp.refresh(value);
            });
            expect(calls).toBe(0);
            return response!;
          },
          (res) => expectGenericError(res, 401),
        );
      });

      it('S10: refresh token as an object ({"$ne": null}) or array → 400, no store call', async () => {
        for (const refreshToken of [{ $ne: null }, ['a'], 42, null, true]) {
          await chirp.probe(
            () => chirp.http.post('/auth/refresh').send({ refreshToken }),
            (res) => expectGenericError(res, 400),
          );
        }
      });
    });

    it('S11: header transport ignores cookies, JSON-looking ones included (j:{…}, j:[], j:null) → 401, not 500', async () => {
      for (const value of [
        'j%3A%7B%22a%22%3A1%7D',
        'j%3A%5B%5D',
        'j%3Anull',
        `j%3A%22${alice.accessToken}%22`,
      ]) {
        await chirp.probe(
          () => chirp.http.get('/me').set('Cookie', `__Host-session=${value}`),
          (res) => expectGeneric401(res, false),
        );
      }
    });
  }

  if (config.core) {
    it.each([1, 42, 44, 64, 4096])(
      'S12: a token of %i base64url characters → 401 with no store call',
      async (length) => {
        const token = randomBytes(length).toString('base64url').slice(0, length);
        let response: Awaited<ReturnType<SecurityChirp['me']>> | undefined;
        const calls = await chirp.countStoreCalls(async () => {
          response = await chirp.me(token);
        });
        expectGeneric401(response!, true, [token]);
        expect(calls).toBe(0);
        await chirp.expectServing();
      },
    );
  }

  if (config.store === 'redis' || config.store === 'tiered') {
    it('S13: every Redis key of a session (record, pointers, cache entries) expires: 0 < PTTL ≤ the absolute lifetime', async () => {
      await chirp.session('alice');
      const entries = await chirp.redisEntries();
      const sessionKeys = entries.filter((e) => /:(?:s|a|r|i):[^:]+$/.test(e.key));
      if (config.store === 'redis') expect(sessionKeys.length).toBeGreaterThan(0);
      const limit = chirp.harness.config.sessionTtl * 1000 + 60_000;
      for (const { key, pttl } of sessionKeys) {
        expect({ key, ttl: pttl > 0 && pttl <= limit }).toEqual({ key, ttl: true });
      }
    });
  }

  it('S13: an expired session is refused before any cleanup, and the sweep reclaims it', async () => {
    const pair = await chirp.session('bob');
    const id = (await chirp.store.listByUser(chirp.ids.bob)).sessions.find(
      (s) => s.refreshHash === sha256hex(pair.refreshToken),
    )!.id;
    const start = chirp.clock.now();
    try {
      chirp.clock.advance(chirp.harness.config.sessionTtl * 1000 + 1);
      expectGeneric401(await chirp.me(pair.accessToken), true);
      expectGenericError(await chirp.refresh(pair.refreshToken), 401);
      // Still stored: the refusal came from the expiry check, not from a deletion.
      expect(await chirp.store.findById(id)).not.toBeNull();
      expect(await chirp.sweep()).toBeGreaterThan(0);
      expect(await chirp.store.findById(id)).toBeNull();
    } finally {
      chirp.clock.set(start);
      await chirp.resetControl();
    }
  });

  itKeepsSecretsOutOfTheLog(chirp);
});

// Value tokens store sessions and refresh tokens just as reference tokens do: both must be swept.
describe.each(securityConfigs(CORE_TARGETS))(
  'Security B: S13 store size returns to baseline ($name)',
  (config) => {
    const chirp = useSecurityChirp(config);

    it('S13: 300 sessions of 3 users expire and are swept: the store returns to its size before', async () => {
      const before = (await chirp.snapshot()).storeSize;
      for (let i = 0; i < 300; i++)
        await chirp.session((['alice', 'bob', 'admin'] as const)[i % 3]);
      const grown = (await chirp.snapshot()).storeSize;
      expect(Object.values(grown).reduce((a, b) => a + b, 0)).toBeGreaterThan(
        Object.values(before).reduce((a, b) => a + b, 0),
      );
      const now = chirp.clock.now();
      chirp.clock.advance(chirp.harness.config.sessionTtl * 1000 + 1);
      expect(await chirp.sweep()).toBeGreaterThanOrEqual(300);
      chirp.clock.set(now);
      await chirp.resetControl(); // the control session expired and was swept with the others
      // Sessions and their refresh tokens are back to what they were: the control session.
      const after = (await chirp.snapshot()).storeSize;
      for (const key of ['memory', 'ns_sessions', 'ns_refresh_tokens'].filter((k) => k in before)) {
        expect({ key, size: after[key] }).toEqual({ key, size: before[key] });
      }
    });

    itKeepsSecretsOutOfTheLog(chirp);
  },
);
