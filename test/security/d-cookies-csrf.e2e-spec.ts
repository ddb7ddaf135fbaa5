import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { expectCleanAnswer, expectGeneric401, expectGenericError } from './support/expectations.js';
import {
  bearer,
  DEMO_PASSWORD,
  itKeepsSecretsOutOfTheLog,
  pairedConfigs,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist D (S28–S32) and the cookie parts of S05, S11 and S53.
//
// S31 (state change through safe methods) and S32 (CORS) apply to every transport and
// always run. The cookie cases need AUTH_TRANSPORT=cookie, which this file detects from
// Chirp's configuration (a build without it refuses the value at start-up): they register
// only once Chirp offers cookie transport. Neither depends on the store: reference tokens
// on memory and value tokens on SQLite, on Express and (once offered) Fastify. Names follow the library's defaults: `__Host-session`,
// `__Secure-refresh` at `Path=/auth/refresh`, and the double-submit CSRF cookie
// `__Host-csrf` echoed in `X-CSRF-Token`.

const SESSION = '__Host-session';
const REFRESH = '__Secure-refresh';
const CSRF = '__Host-csrf';
const CSRF_HEADER = 'X-CSRF-Token';
const EVIL = 'https://evil.example';

/** One parsed `Set-Cookie` header. */
interface SetCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names in lower case → value ('' for flags). */
  readonly attributes: Record<string, string>;
}

function setCookies(response: Response): SetCookie[] {
  const raw = response.headers['set-cookie'] as unknown;
  const lines = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return lines.map((line) => {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const attributes: Record<string, string> = {};
    for (const attr of attrs) {
      const [key, ...rest] = attr.trim().split('=');
      attributes[key.toLowerCase()] = rest.join('=');
    }
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
  });
}

function cookieOf(response: Response, name: string): SetCookie {
  const found = setCookies(response).find((c) => c.name === name);
  expect({ cookie: name, set: found !== undefined }).toEqual({ cookie: name, set: true });
  return found!;
}

describe.each(pairedConfigs())(
  'Security D: safe methods and CORS, any transport ($name)',
  (config) => {
    const chirp = useSecurityChirp(config);
    let alice: TokenPair;
    let postA: number;

    beforeAll(async () => {
      alice = await chirp.session('alice');
      postA = await chirp.createPost(alice.accessToken, 'P_A');
    });

    it('S31: GET /posts/P_A/delete and GET /auth/logout change nothing (404/405/401)', async () => {
      await chirp.probe(
        () => chirp.http.get(`/posts/${postA}/delete`).set(bearer(alice.accessToken)),
        (res) => expectGenericError(res, [401, 404, 405], [alice.accessToken]),
      );
      await chirp.probe(
        () => chirp.http.get('/auth/logout').set(bearer(alice.accessToken)),
        (res) => expectGenericError(res, [401, 404, 405], [alice.accessToken]),
      );
      expect((await chirp.me(alice.accessToken)).status).toBe(200);
    });

    it('S31: method override (X-HTTP-Method-Override, ?_method=) never deletes', async () => {
      for (const send of [
        () =>
          chirp.http
            .post(`/posts/${postA}`)
            .set(bearer(alice.accessToken))
            .set('X-HTTP-Method-Override', 'DELETE'),
        () =>
          chirp.http
            .post(`/posts/${postA}?_method=DELETE`)
            .set(bearer(alice.accessToken))
            .set('X-Method-Override', 'DELETE'),
        () =>
          chirp.http
            .get(`/posts/${postA}?_method=DELETE`)
            .set(bearer(alice.accessToken))
            .set('X-HTTP-Method', 'DELETE'),
      ]) {
        await chirp.probe(send, (res) => expectGenericError(res, [401, 404, 405]));
      }
    });

    it('S31: HEAD authenticates like GET (401 without a token, 200 with one)', async () => {
      await chirp.probe(
        () => chirp.http.head('/me'),
        (res) => {
          expect(res.status).toBe(401);
          expect(res.headers['www-authenticate']).toBe('Bearer');
        },
      );
      expect((await chirp.http.head('/me').set(bearer(alice.accessToken))).status).toBe(200);
    });

    it('S32: no Access-Control-Allow-Origin for foreign origins, never with credentials', async () => {
      for (const origin of [EVIL, 'https://app.example.evil.example', 'null']) {
        const preflight = await chirp.http
          .options('/me')
          .set('Origin', origin)
          .set('Access-Control-Request-Method', 'GET')
          .set('Access-Control-Request-Headers', 'authorization');
        const get = await chirp.http
          .get('/me')
          .set('Origin', origin)
          .set(bearer(alice.accessToken));
        for (const res of [preflight, get]) {
          expect(res.status).toBeLessThan(500);
          expect(['*', origin]).not.toContain(res.headers['access-control-allow-origin']);
          expect(res.headers['access-control-allow-credentials']).toBeUndefined();
        }
      }
      await chirp.expectServing();
    });

    itKeepsSecretsOutOfTheLog(chirp);
  },
);

describe.each(pairedConfigs(true))('Security D: cookie transport and CSRF ($name)', (config) => {
  const chirp = useSecurityChirp(config, { env: { AUTH_TRANSPORT: 'cookie' } });
  let origin: string;
  /** Alice's cookies from a real login: session, refresh, CSRF. */
  let session: string;
  let refresh: string;
  let csrf: string;
  let login: Response;
  let postA: number;
  let postB: number;
  let bobBearer: TokenPair;

  /** A same-origin request with alice's cookies and the CSRF token, as her page sends it. */
  const asAlice = (
    method: 'get' | 'post' | 'delete' | 'patch',
    path: string,
    cookies = `${SESSION}=${session}; ${CSRF}=${csrf}`,
  ) =>
    chirp.http[method](path)
      .set('Cookie', cookies)
      .set('Origin', origin)
      .set('Sec-Fetch-Site', 'same-origin')
      .set(CSRF_HEADER, csrf);

  beforeAll(async () => {
    origin = `http://127.0.0.1:${chirp.port}`;
    login = await chirp.http
      .post('/auth/login')
      .set('Origin', origin)
      .send({ username: 'alice', password: DEMO_PASSWORD });
    expect(login.status).toBe(200);
    session = chirp.secret(cookieOf(login, SESSION).value);
    refresh = chirp.secret(cookieOf(login, REFRESH).value);
    csrf = cookieOf(login, CSRF).value;
    bobBearer = await chirp.session('bob');
    const a = await asAlice('post', '/posts').send({ text: 'P_A' });
    expect(a.status).toBe(201);
    postA = (a.body as { id: number }).id;
    postB = await chirp.createPost(bobBearer.accessToken, 'P_B');
  });

  it('S28: login sets __Host-session (Path=/, Secure, HttpOnly, SameSite, no Domain) and tokens stay out of the body', () => {
    const cookie = cookieOf(login, SESSION);
    expect(cookie.attributes.path).toBe('/');
    expect('secure' in cookie.attributes).toBe(true);
    expect('httponly' in cookie.attributes).toBe(true);
    expect(['strict', 'lax']).toContain(cookie.attributes.samesite?.toLowerCase());
    expect(cookie.attributes.domain).toBeUndefined();
    const maxAge = Number(cookie.attributes['max-age'] ?? 0);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(chirp.harness.config.sessionTtl);
    expect(`${SESSION}=${cookie.value}`.length).toBeLessThanOrEqual(4096);
    expect(login.text.includes(session)).toBe(false);
    expect(login.text.includes(refresh)).toBe(false);
    expect(login.headers['cache-control']).toBe('no-store');
  });

  it('S28: the refresh cookie is __Secure- prefixed, HttpOnly, at Path=/auth/refresh; the CSRF cookie is readable', () => {
    const cookie = cookieOf(login, REFRESH);
    expect(cookie.attributes.path).toBe('/auth/refresh');
    expect('secure' in cookie.attributes).toBe(true);
    expect('httponly' in cookie.attributes).toBe(true);
    expect(['strict', 'lax']).toContain(cookie.attributes.samesite?.toLowerCase());
    expect(cookie.attributes.domain).toBeUndefined();
    const csrfCookie = cookieOf(login, CSRF);
    expect('httponly' in csrfCookie.attributes).toBe(false);
    expect(csrfCookie.attributes.path).toBe('/');
  });

  it('S28/S47: refresh rotates both cookies (no-store), logout expires them', async () => {
    const pair = await chirp.http
      .post('/auth/login')
      .set('Origin', origin)
      .send({ username: 'alice', password: DEMO_PASSWORD });
    const s = chirp.secret(cookieOf(pair, SESSION).value);
    const r = chirp.secret(cookieOf(pair, REFRESH).value);
    const c = cookieOf(pair, CSRF).value;
    const refreshed = await chirp.http
      .post('/auth/refresh')
      .set('Cookie', `${REFRESH}=${r}; ${CSRF}=${c}`)
      .set('Origin', origin)
      .set(CSRF_HEADER, c);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    const s2 = chirp.secret(cookieOf(refreshed, SESSION).value);
    const r2 = chirp.secret(cookieOf(refreshed, REFRESH).value);
    expect(s2).not.toBe(s);
    expect(r2).not.toBe(r);
    expect(refreshed.text.includes(s2)).toBe(false);
    const c2 = setCookies(refreshed).find((k) => k.name === CSRF)?.value ?? c;
    const out = await chirp.http
      .post('/auth/logout')
      .set('Cookie', `${SESSION}=${s2}; ${CSRF}=${c2}`)
      .set('Origin', origin)
      .set(CSRF_HEADER, c2);
    expect(out.status).toBe(204);
    for (const name of [SESSION, REFRESH]) {
      const expired = cookieOf(out, name);
      expect(expired.value).toBe('');
      expect(expired.attributes['max-age']).toBe('0');
    }
    expect(out.headers['cache-control']).toBe('no-store');
    expectGeneric401(await chirp.http.get('/me').set('Cookie', `${SESSION}=${s2}`), true);
  });

  it('S29: only the exact cookie name counts: lookalikes, prefixes, case, double encoding, smuggled attributes → 401', async () => {
    for (const cookie of [
      `session=${session}`,
      `__Secure-session=${session}`,
      `__host-session=${session}`,
      `${SESSION.toUpperCase()}=${session}`,
      `${SESSION}=${encodeURIComponent(encodeURIComponent(`${session}=`))}`,
      `${SESSION}=${session}%3B%20Path%3D%2F`,
      `${SESSION}="${session}"`,
    ]) {
      await chirp.probe(
        () => chirp.http.get('/me').set('Cookie', cookie),
        (res) => expectGeneric401(res, 'either', [session]),
      );
    }
  });

  it('S05b: Authorization: Bearer {B} with cookie {A} acts as bob only (the header wins)', async () => {
    const res = await chirp.http
      .get('/me')
      .set(bearer(bobBearer.accessToken))
      .set('Cookie', `${SESSION}=${session}`);
    expect({ status: res.status, id: (res.body as { id: string }).id }).toEqual({
      status: 200,
      id: chirp.ids.bob,
    });
  });

  it('S05c: an invalid Authorization header never falls back to a valid cookie → 401', async () => {
    await chirp.probe(
      () => asAlice('post', `/posts/${postB}/like`).set('Authorization', 'Bearer garbage'),
      (res) => expectGeneric401(res, true, [session]),
    );
  });

  it('S05d: the session cookie sent twice (garbage first or second) → 401', async () => {
    for (const cookies of [
      `${SESSION}=garbage; ${SESSION}=${session}`,
      `${SESSION}=${session}; ${SESSION}=garbage`,
      `${SESSION}=${session}; ${SESSION}=${session}`,
    ]) {
      await chirp.probe(
        () => chirp.http.get('/me').set('Cookie', cookies),
        (res) => expectGeneric401(res, 'either', [session]),
      );
    }
  });

  it('S11: JSON-looking cookie values (j:{…}, j:[], j:null) → 401, not 500', async () => {
    for (const value of ['j%3A%7B%22a%22%3A1%7D', 'j%3A%5B%5D', 'j%3Anull', 'j:{"a":1}']) {
      await chirp.probe(
        () => chirp.http.get('/me').set('Cookie', `${SESSION}=${value}`),
        (res) => expectGeneric401(res, 'either'),
      );
    }
  });

  it('S30: cross-site unsafe requests with the session cookie and no CSRF token → 403, no side effect', async () => {
    const crossSite = [
      { Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'text/plain' },
      { Origin: 'null', 'Content-Type': 'text/plain' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { Origin: EVIL, [CSRF_HEADER]: csrf }, // the right token from a foreign origin
      { Origin: origin, [CSRF_HEADER]: 'forged-token' }, // same origin, wrong token
      { Origin: origin }, // same origin, no token
    ];
    for (const headers of crossSite) {
      for (const send of [
        () => chirp.http.post(`/posts/${postB}/like`),
        () => chirp.http.delete(`/posts/${postA}`),
        () => chirp.http.patch('/me'),
      ]) {
        await chirp.probe(
          () =>
            send()
              .set('Cookie', `${SESSION}=${session}; ${CSRF}=${csrf}`)
              .set(headers)
              .send('{"displayName":"pwned"}'),
          (res) => expectGenericError(res, 403, [session]),
        );
      }
    }
  });

  it('S30: positive controls: the same requests pass with the CSRF token, or with Authorization (CSRF does not apply)', async () => {
    expect((await asAlice('post', `/posts/${postB}/like`)).status).toBe(200);
    const viaHeader = await chirp.http
      .post(`/posts/${postA}/like`)
      .set(bearer(bobBearer.accessToken))
      .set('Origin', EVIL)
      .set('Sec-Fetch-Site', 'cross-site');
    expect(viaHeader.status).toBe(200);
  });

  it('S53: a cross-site refresh with the refresh cookie → 403, and no new tokens', async () => {
    await chirp.probe(
      () =>
        chirp.http
          .post('/auth/refresh')
          .set('Cookie', `${REFRESH}=${refresh}; ${CSRF}=${csrf}`)
          .set('Origin', EVIL)
          .set('Sec-Fetch-Site', 'cross-site')
          .set('Content-Type', 'text/plain'),
      (res) => {
        expectGenericError(res, 403, [refresh]);
        expect(res.headers['set-cookie']).toBeUndefined();
      },
    );
  });

  it('S53: the refresh cookie is not an access credential; the session cookie is not a refresh token', async () => {
    await chirp.probe(
      () => chirp.http.get('/me').set('Cookie', `${SESSION}=${refresh}`),
      (res) => expectGeneric401(res, true, [refresh]),
    );
    await chirp.probe(
      () =>
        chirp.http
          .post('/auth/refresh')
          .set('Cookie', `${REFRESH}=${session}; ${CSRF}=${csrf}`)
          .set('Origin', origin)
          .set(CSRF_HEADER, csrf),
      (res) => {
        expectCleanAnswer(res, [session]);
        expect([400, 401]).toContain(res.status);
      },
    );
  });

  itKeepsSecretsOutOfTheLog(chirp);
});
