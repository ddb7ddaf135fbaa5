import { beforeAll, describe, expect, it } from '@jest/globals';
import { expectCleanAnswer, expectGeneric401, expectGenericError } from './support/expectations.js';
import { rawRequest } from './support/raw-http.js';
import {
  itKeepsSecretsOutOfTheLog,
  pairedConfigs,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist A (S01–S05): where the access token may come from. Header transport; the
// cookie parts of S05 are in d-cookies-csrf.e2e-spec.ts. Extraction depends on the strategy
// and the HTTP platform, not the store: reference tokens on memory and value tokens on
// SQLite, on Express and (once Chirp offers it) Fastify.
const CONFIGS = pairedConfigs(true);

/** Flips the case of the first letter of `token` (a one-character change). */
function flipCase(token: string): string {
  const i = token.search(/[A-Za-z]/);
  const c = token[i];
  const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
  return `${token.slice(0, i)}${flipped}${token.slice(i + 1)}`;
}

describe.each(CONFIGS)('Security A: token extraction and transport ($name)', (config) => {
  const chirp = useSecurityChirp(config);
  let alice: TokenPair;
  let bob: TokenPair;
  let postA: number;

  beforeAll(async () => {
    alice = await chirp.session('alice');
    bob = await chirp.session('bob');
    postA = await chirp.createPost(alice.accessToken, 'P_A');
  });

  const A = () => alice.accessToken;

  it('S01: no credentials: GET /me and DELETE /posts/P_A answer 401 with a bare Bearer challenge', async () => {
    await chirp.probe(
      () => chirp.http.get('/me'),
      (res) => expectGeneric401(res, false),
    );
    await chirp.probe(
      () => chirp.http.delete(`/posts/${postA}`),
      (res) => expectGeneric401(res, false),
    );
  });

  describe('S02: wrong or missing scheme → 401, never another credential source', () => {
    const cases: Array<[string, () => string, boolean | 'either']> = [
      ['Basic credentials', () => 'Basic YWxpY2U6cGFzc3dvcmQ=', false],
      ['scheme Token', () => `Token ${A()}`, false],
      ['no scheme', () => A(), false],
      ['"Bearer" alone', () => 'Bearer', 'either'],
      ['"Bearer " (empty token)', () => 'Bearer ', 'either'],
    ];
    it.each(cases)('S02: %s', async (_label, value, tokenSent) => {
      for (const path of ['/me', `/posts/${postA}/like`]) {
        await chirp.probe(
          () =>
            path === '/me'
              ? chirp.http.get(path).set('Authorization', value())
              : chirp.http.post(path).set('Authorization', value()),
          (res) => expectGeneric401(res, tokenSent, [A()]),
        );
      }
    });
  });

  describe('S03: scheme case and whitespace', () => {
    it.each([['authorization: bearer'], ['Authorization: BEARER'], ['Authorization: bEaReR']])(
      'S03: the scheme in any case works (%s {A}) → 200',
      async (form) => {
        const [name, scheme] = form.split(': ');
        const res = await chirp.http.get('/me').set(name, `${scheme} ${A()}`);
        expect(res.status).toBe(200);
        expect((res.body as { id: string }).id).toBe(chirp.ids.alice);
      },
    );

    it('S03: trailing whitespace is trimmed by the HTTP parser (RFC 9110 OWS) → 200, the same session', async () => {
      const res = await rawRequest(chirp.port, 'GET', '/me', [`Authorization: Bearer ${A()} \t`]);
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as { id: string }).id).toBe(chirp.ids.alice);
    });

    const malformed: Array<[string, () => string]> = [
      ['two spaces after the scheme', () => `Bearer  ${A()}`],
      ['a tab instead of the space', () => `Bearer\t${A()}`],
      ['{A}x (one character appended)', () => `Bearer ${A()}x`],
      ['{A} with one character case-flipped', () => `Bearer ${flipCase(A())}`],
      ['{A} truncated by one character', () => `Bearer ${A().slice(0, -1)}`],
      ['{A}%00', () => `Bearer ${A()}%00`],
      ['{A} followed by a second token', () => `Bearer ${A()} ${bob.accessToken}`],
    ];
    it.each(malformed)(
      'S03: %s → 401 invalid_token, never another session',
      async (_label, value) => {
        await chirp.probe(
          () => chirp.http.get('/me').set('Authorization', value()),
          (res) => expectGeneric401(res, true, [A(), bob.accessToken]),
        );
      },
    );
  });

  describe('S04: tokens in the URL or body are never read', () => {
    it.each([['/me?access_token={A}'], ['/me?token={A}'], ['/me?authorization=Bearer%20{A}']])(
      'S04: GET %s → 401 (no credential)',
      async (template) => {
        await chirp.probe(
          () => chirp.http.get(template.replace('{A}', A())),
          (res) => expectGeneric401(res, false, [A()]),
        );
      },
    );

    it('S04: GET /me;jsessionid={A} → 401 or 404, never 200', async () => {
      await chirp.probe(
        () => chirp.http.get(`/me;jsessionid=${A()}`),
        (res) => expectGenericError(res, [401, 404], [A()]),
      );
    });

    it('S04: POST /posts/P_A/like with {"access_token":"{A}"} and no header → 401, no like', async () => {
      await chirp.probe(
        () => chirp.http.post(`/posts/${postA}/like`).send({ access_token: A(), token: A() }),
        (res) => expectGeneric401(res, false, [A()]),
      );
    });

    it('S04: login and refresh answer tokens only in the JSON body: no Location, no URL', async () => {
      const login = await chirp.http
        .post('/auth/login')
        .send({ username: 'alice', password: chirp.secret('e2e-demo-password') });
      expect(login.status).toBe(200);
      chirp.remember(login.body as TokenPair);
      const refresh = await chirp.refresh((login.body as TokenPair).refreshToken);
      expect(refresh.status).toBe(200);
      for (const res of [login, refresh]) {
        expect(res.headers.location).toBeUndefined();
        expect(res.headers['content-location']).toBeUndefined();
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });
  });

  describe('S05: duplicate and conflicting credentials (raw socket)', () => {
    // Node keeps the first of duplicated Authorization headers and drops the others, so
    // the guard alone cannot see the conflict; a proxy in front may keep the last one.
    // Either order must be refused: an ambiguous credential is no credential.
    const duplicates: Array<[string, () => string[]]> = [
      ['Bearer garbage, then Bearer {A}', () => ['Bearer garbage', `Bearer ${A()}`]],
      ['Bearer {A}, then Bearer garbage', () => [`Bearer ${A()}`, 'Bearer garbage']],
      ['Bearer {A}, then Bearer {B}', () => [`Bearer ${A()}`, `Bearer ${bob.accessToken}`]],
    ];
    it.each(duplicates)('S05a: two Authorization headers (%s) → 401/400', async (_l, values) => {
      await chirp.probe(
        () =>
          rawRequest(
            chirp.port,
            'GET',
            '/me',
            values().map((v) => `Authorization: ${v}`),
          ),
        (res) => {
          expect([400, 401]).toContain(res.status);
          expectCleanAnswer(res, [A(), bob.accessToken]);
        },
      );
    });

    it('S05a: a duplicated Authorization on a state-changing route changes nothing', async () => {
      await chirp.probe(
        () =>
          rawRequest(chirp.port, 'POST', `/posts/${postA}/like`, [
            `Authorization: Bearer ${bob.accessToken}`,
            'Authorization: Bearer garbage',
          ]),
        (res) => expect([400, 401]).toContain(res.status),
      );
    });

    it('S05: header mode never reads a session cookie: cookie {A} without a header → 401', async () => {
      await chirp.probe(
        () =>
          chirp.http
            .get('/me')
            .set('Cookie', `__Host-session=${A()}; session=${A()}; access_token=${A()}`),
        (res) => expectGeneric401(res, false, [A()]),
      );
    });
  });

  itKeepsSecretsOutOfTheLog(chirp);
});
