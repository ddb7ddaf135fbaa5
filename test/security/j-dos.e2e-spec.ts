import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { PasswordHasher } from 'nest-sessions';
import { b64u, decodeJws, hs256 } from '../support/jwt/forge.js';
import {
  expectCleanAnswer,
  expectGeneric401,
  expectGenericError,
  expectNo5xx,
} from './support/expectations.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';
import {
  bearer,
  DEMO_PASSWORD,
  itKeepsSecretsOutOfTheLog,
  pairedConfigs,
  securityConfigs,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist J (S61–S67): oversized and pathological input. What Node's HTTP parser
// refuses (431 for headers over 16 KiB, 400 for NUL or bare CR) never reaches Chirp; what
// it lets through must be refused by the guard before any decoding or store call (the
// harness counts store calls), and by the body parser and validation before any work.
// Reference tokens on the memory store and value tokens on SQLite, and both on Fastify.
// No timing assertions (G7 is the benchmark's concern): "cheap" is shown by zero store
// calls and zero password hashing.

/** Runs `count` requests, `width` at a time. */
async function inBatches<T>(
  count: number,
  width: number,
  send: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += width) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(width, count - i) }, (_, j) => send(i + j)),
      )),
    );
  }
  return out;
}

describe.each(pairedConfigs(true))(
  'Security J: denial of service and malformed input ($name)',
  (config) => {
    const chirp = useSecurityChirp(config);
    let alice: TokenPair;

    beforeAll(async () => {
      alice = await chirp.session('alice');
    });

    /** A raw request whose answer must be a 401 for a presented token, with no store call. */
    async function expectCheap401(lines: Array<string | Buffer>, path = '/me'): Promise<void> {
      await chirp.probe(
        async () => {
          let res: RawResponse | undefined;
          const calls = await chirp.countStoreCalls(async () => {
            res = await rawRequest(chirp.port, 'GET', path, lines);
          });
          expect({ storeCalls: calls }).toEqual({ storeCalls: 0 });
          return res!;
        },
        (res) => expectGeneric401(res, 'either'),
      );
    }

    it('S61: a 20 KB Authorization header or cookie → 431 from the HTTP parser; the app keeps serving; nothing logs the value', async () => {
      const huge = 'A'.repeat(20_000);
      for (const line of [`Authorization: Bearer ${huge}`, `Cookie: __Host-session=${huge}`]) {
        await chirp.probe(
          () => rawRequest(chirp.port, 'GET', '/me', [line]),
          (res) => expect([400, 431]).toContain(res.status),
        );
      }
      expect(chirp.log.dump().includes('A'.repeat(200))).toBe(false);
    });

    it('S62: a 15 KB token (under the parser limit) → 401 before any decoding or store call', async () => {
      await expectCheap401([`Authorization: Bearer ${'A'.repeat(15_000)}`]);
      const head = b64u({ alg: 'HS256', typ: 'at+jwt', kid: 'chirp-1' });
      const padded = `${head}.${'A'.repeat(15_000 - head.length)}.${randomBytes(32).toString('base64url')}`;
      await expectCheap401([`Authorization: Bearer ${padded}`]);
    });

    it('S62: 1,000 random 43-character tokens → all 401; value tokens never reach the store', async () => {
      const count = config.core && config.strategy === 'reference' ? 1000 : 100;
      const before = await chirp.snapshot();
      let answers: number[] = [];
      const calls = await chirp.countStoreCalls(async () => {
        answers = await inBatches(count, 25, async () => {
          const res = await chirp.me(randomBytes(32).toString('base64url'));
          return res.status;
        });
      });
      expect(new Set(answers)).toEqual(new Set([401]));
      if (config.strategy === 'value') expect(calls).toBe(0);
      expect(await chirp.snapshot()).toEqual(before);
      await chirp.expectServing();
    });

    it('S62: JWT-shaped garbage never reaches the store (value and reference tokens)', async () => {
      const calls = await chirp.countStoreCalls(() =>
        inBatches(200, 25, async (i) => {
          const token = `${b64u({ alg: 'HS256', typ: 'at+jwt', kid: 'chirp-1' })}.${b64u({ i })}.${randomBytes(32).toString('base64url')}`;
          expect((await chirp.me(token)).status).toBe(401);
        }),
      );
      expect(calls).toBe(0);
    });

    describe('S63: pathological JWT structure → 401, never 500', () => {
      const shapes: Array<[string, () => string]> = [
        ['"."', () => '.'],
        ['".."', () => '..'],
        ['"..."', () => '...'],
        ['five segments', () => 'a.b.c.d.e'],
        ['"eyJ.eyJ."', () => 'eyJ.eyJ.'],
        ['invalid base64url', () => '@@@.@@@.@@@'],
        ['header null', () => `${b64u('null')}.${b64u('{}')}.AAAA`],
        ['header []', () => `${b64u('[]')}.${b64u('{}')}.AAAA`],
        ['header 123', () => `${b64u('123')}.${b64u('{}')}.AAAA`],
        ['header "x"', () => `${b64u('"x"')}.${b64u('{}')}.AAAA`],
        [
          'alg as array',
          () => `${b64u({ alg: ['HS256'], typ: 'at+jwt', kid: 'chirp-1' })}.${b64u('{}')}.AAAA`,
        ],
        [
          'alg as object',
          () => `${b64u({ alg: { a: 1 }, typ: 'at+jwt', kid: 'chirp-1' })}.${b64u('{}')}.AAAA`,
        ],
        [
          'alg as number',
          () => `${b64u({ alg: 256, typ: 'at+jwt', kid: 'chirp-1' })}.${b64u('{}')}.AAAA`,
        ],
        ['payload null', () => `${alice.accessToken.split('.')[0]}.${b64u('null')}.AAAA`],
        [
          'UTF-16 header',
          () =>
            `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'chirp-1' }), 'utf16le').toString('base64url')}.${b64u('{}')}.AAAA`,
        ],
        [
          'header with a BOM',
          () =>
            `${b64u(`\ufeff${JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: 'chirp-1' })}`)}.${b64u('{}')}.AAAA`,
        ],
      ];
      it.each(shapes)('S63: %s', async (_label, token) => {
        await chirp.probe(
          () => chirp.me(token()),
          (res) => expectGeneric401(res, true),
        );
      });

      it('S63: a 5,500-deep nested payload (≈14.8 KB) → 401 before parsing; a 1,000-deep one signed with the real key → 401', async () => {
        const deep = `{"sub":"1","x":${'['.repeat(5500)}${']'.repeat(5500)}}`;
        const head = alice.accessToken.split('.')[0];
        await expectCheap401([`Authorization: Bearer ${head}.${b64u(deep)}.AAAA`]);
        if (config.strategy === 'value') {
          const claims = decodeJws(alice.accessToken).payload;
          const nested = JSON.stringify(claims).replace(
            /}$/,
            `,"x":${'['.repeat(1000)}${']'.repeat(1000)}}`,
          );
          const signed = hs256(decodeJws(alice.accessToken).header, nested, chirp.jwtSecret);
          await chirp.probe(
            () => chirp.me(signed),
            (res) => expectGeneric401(res, true),
          );
        }
      });
    });

    describe('S64: non-ASCII and control characters (raw socket)', () => {
      const printable: Array<[string, () => Buffer]> = [
        [
          'bytes 0xFF',
          () => Buffer.from([...Buffer.from('Authorization: Bearer '), 0xff, 0xff, 0xff, 0xff]),
        ],
        [
          'a zero-width space before {A}',
          () => Buffer.from(`Authorization: Bearer \u200b${alice.accessToken}`, 'utf8'),
        ],
        [
          '{A} + NBSP',
          () => Buffer.from(`Authorization: Bearer ${alice.accessToken}\u00a0`, 'utf8'),
        ],
        ['UTF-8 "café"', () => Buffer.from('Authorization: Bearer café', 'utf8')],
        ['latin1 "café"', () => Buffer.from('Authorization: Bearer café', 'latin1')],
      ];
      it.each(printable)('S64: %s → 401 (charset check)', async (_label, line) => {
        await expectCheap401([line()]);
      });

      it.each([
        ['NUL inside the token', Buffer.from('Authorization: Bearer to\u0000ken', 'latin1')],
        [
          'a bare CR inside the value',
          Buffer.from('Authorization: Bearer x\rX-Injected: 1', 'latin1'),
        ],
      ])('S64: %s → refused by the HTTP parser (400) or the guard (401)', async (_label, line) => {
        await chirp.probe(
          () => rawRequest(chirp.port, 'GET', '/me', [line]),
          (res) => expect([400, 401]).toContain(res.status),
        );
      });

      it('S64: CR/LF in a value only ends the header: the token is "x" → 401; log lines stay single-line', async () => {
        await chirp.probe(
          () => rawRequest(chirp.port, 'GET', '/me', ['Authorization: Bearer x\r\nX-Injected: 1']),
          (res) => expectGeneric401(res, true),
        );
        await chirp.probe(
          () => rawRequest(chirp.port, 'GET', '/me', ['Authorization: Bearer x\nX-Injected: 1']),
          (res) => expect([400, 401]).toContain(res.status),
        );
        for (const entry of chirp.log.entries.filter((e) => e.level !== 'error')) {
          expect(entry.text).not.toMatch(/[\r\n]/);
          expect(entry.text).not.toContain('X-Injected');
        }
      });
    });

    it.each([
      ['"Bearer a" + 15,000 spaces + "!"', `Bearer a${' '.repeat(15_000)}!`],
      ['"Bearer " + 15,000 tabs', `Bearer ${'\t'.repeat(15_000)}x`],
      ['"Bearer " + "a " × 7,000', `Bearer ${'a '.repeat(7_000)}`],
      ['"Bearer " + 8,000 "="', `Bearer a${'='.repeat(8_000)}`],
    ])(
      'S65: %s → 401 without a store call (linear parsing, no regex backtracking)',
      async (_label, value) => {
        await expectCheap401([`Authorization: ${value}`]);
      },
    );

    describe('S66: deep, huge or odd bodies → 400/413/415, never 500, and no login attempt', () => {
      let hashing: { calls: () => number; restore: () => void };

      beforeAll(() => {
        const hasher = chirp.harness.app.get(PasswordHasher);
        const spies = [
          jest.spyOn(hasher, 'hash'),
          jest.spyOn(hasher, 'verify'),
          jest.spyOn(hasher, 'verifyDummy'),
        ];
        hashing = {
          calls: () => spies.reduce((n, spy) => n + spy.mock.calls.length, 0),
          restore: () => spies.forEach((spy) => spy.mockRestore()),
        };
      });

      afterAll(() => hashing.restore());

      const bodies: Array<[string, string, string, number[]]> = [
        [
          '40,000-deep arrays (80 KB)',
          'application/json',
          `{"username":"alice","password":"x","x":${'['.repeat(40_000)}${']'.repeat(40_000)}}`,
          [413],
        ],
        [
          '7,000-deep arrays (14 KB, under the limit)',
          'application/json',
          `{"username":"alice","password":"x","x":${'['.repeat(7_000)}${']'.repeat(7_000)}}`,
          [400],
        ],
        [
          '2,500-deep objects (12.5 KB, under the limit)',
          'application/json',
          `{"username":"alice","password":"x","x":${'{"a":'.repeat(2_500)}1${'}'.repeat(2_500)}}`,
          [400],
        ],
        [
          'a 200 KB body',
          'application/json',
          JSON.stringify({ username: 'alice', password: 'p'.repeat(200_000) }),
          [413],
        ],
        [
          'text/plain',
          'text/plain',
          `{"username":"alice","password":"${DEMO_PASSWORD}"}`,
          [400, 415],
        ],
        [
          '10,000 keys (over the limit)',
          'application/json',
          JSON.stringify(
            Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
          ),
          [413],
        ],
        [
          '1,000 keys (under the limit)',
          'application/json',
          JSON.stringify({
            username: 'alice',
            password: 'x',
            ...Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, i])),
          }),
          [400],
        ],
        ['malformed JSON', 'application/json', '{"username":"alice","password":', [400]],
        ['a JSON array', 'application/json', '[{"username":"alice","password":"x"}]', [400]],
        ['a JSON string', 'application/json', '"alice"', [400]],
        [
          'url-encoded with nested keys',
          'application/x-www-form-urlencoded',
          'username[a][b][c]=1&password=x',
          [400, 415],
        ],
      ];

      it.each(bodies)('S66: POST /auth/login with %s', async (_label, type, body, statuses) => {
        const before = hashing.calls();
        await chirp.probe(
          () => chirp.http.post('/auth/login').set('Content-Type', type).send(body),
          (res) => expectGenericError(res, statuses, [DEMO_PASSWORD]),
        );
        expect(hashing.calls() - before).toBe(0);
      });

      it('S66: the same deep body on the other JSON routes → 4xx, never 500', async () => {
        const deep = `{"text":"x","refreshToken":"x","displayName":"x","x":${'['.repeat(7_000)}${']'.repeat(7_000)}}`;
        for (const [method, path] of [
          ['post', '/auth/refresh'],
          ['post', '/auth/register'],
          ['post', '/posts'],
          ['patch', '/me'],
          ['post', '/auth/password'],
        ] as const) {
          await chirp.probe(
            () =>
              chirp.http[method](path)
                .set(bearer(alice.accessToken))
                .set('Content-Type', 'application/json')
                .send(deep),
            (res) => {
              expectNo5xx(res, `${method} ${path}`);
              expect(res.status).toBeGreaterThanOrEqual(400);
              expectCleanAnswer(res, [alice.accessToken]);
            },
          );
        }
      });
    });

    itKeepsSecretsOutOfTheLog(chirp);
  },
);

describe.each(securityConfigs(['memory', 'sqlite'], ['reference']))(
  'Security J: S67 sessions per user ($name)',
  (config) => {
    const chirp = useSecurityChirp(config, { sessionOptions: { maxSessionsPerUser: 5 } });

    it('S67: with maxSessionsPerUser = 5 the sixth login evicts the oldest session: never more than 5 live', async () => {
      const pairs: TokenPair[] = [];
      const t0 = chirp.clock.now();
      for (let i = 0; i < 6; i++) {
        pairs.push(await chirp.login('alice'));
        chirp.clock.advance(1_000); // "oldest" by login time; logins in one millisecond tie
      }
      chirp.clock.set(t0);
      expectGeneric401(await chirp.me(pairs[0].accessToken), true);
      expectGenericError(await chirp.refresh(pairs[0].refreshToken), 401);
      for (const pair of pairs.slice(1))
        expect((await chirp.me(pair.accessToken)).status).toBe(200);
      const listed = await chirp.http.get('/auth/sessions').set(bearer(pairs[5].accessToken));
      expect((listed.body as unknown[]).length).toBe(5);
    });

    it('S67: many sessions across 100 users stay bounded per user and return to baseline after expiry', async () => {
      const count = config.store === 'memory' ? 2_000 : 300;
      const before = (await chirp.snapshot()).storeSize;
      const users = (await chirp.snapshot()).users as Array<{ id: string }>;
      const ids = Array.from({ length: 100 }, (_, i) => users[i % users.length].id);
      for (let i = 0; i < count; i++) await chirp.sessionFor(ids[i % 100]);
      for (const user of users) {
        expect((await chirp.store.listByUser(user.id)).sessions.length).toBeLessThanOrEqual(5);
      }
      const now = chirp.clock.now();
      chirp.clock.advance(chirp.harness.config.sessionTtl * 1000 + 60_000);
      await chirp.sweep();
      chirp.clock.set(now);
      await chirp.resetControl();
      const after = (await chirp.snapshot()).storeSize;
      for (const key of ['memory', 'ns_sessions', 'ns_refresh_tokens'].filter((k) => k in before)) {
        // Only the control session is left (it was among those swept, and replaced).
        expect({ key, size: after[key] }).toEqual({ key, size: 1 });
      }
    });

    itKeepsSecretsOutOfTheLog(chirp);
  },
);

describe.each(securityConfigs(['memory'], ['reference']))(
  'Security J: S67 Chirp’s own policy ($name)',
  (config) => {
    const chirp = useSecurityChirp(config);

    it('S67: Chirp as shipped does not cap concurrent sessions (ASVS V3.7: documented policy), and every one is listed', async () => {
      const pairs: TokenPair[] = [];
      for (let i = 0; i < 7; i++) pairs.push(await chirp.session('bob'));
      for (const pair of pairs) expect((await chirp.me(pair.accessToken)).status).toBe(200);
      const listed = await chirp.http.get('/auth/sessions').set(bearer(pairs[0].accessToken));
      expect((listed.body as unknown[]).length).toBe(7);
    });

    itKeepsSecretsOutOfTheLog(chirp);
  },
);
