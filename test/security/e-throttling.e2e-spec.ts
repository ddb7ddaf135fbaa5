import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Response } from 'supertest';
import { expectGenericError } from './support/expectations.js';
import {
  bearer,
  DEMO_PASSWORD,
  itKeepsSecretsOutOfTheLog,
  securityConfigs,
  type TokenPair,
  useSecurityChirp,
} from './support/security-harness.js';

// Checklist S08 (session-id guessing) and S37 (password brute force, credential
// stuffing) with RATE_LIMIT=on, as Chirp ships: failed logins count per account and per
// client, invalid tokens per client; successes never count; X-Forwarded-For is believed
// only from a trusted proxy (TRUST_PROXY). Throttling lives in Chirp, above the store and
// the strategy: one configuration, with and without a trusted proxy. Every other security
// suite runs with RATE_LIMIT=off, since they send hundreds of bad credentials on purpose.

const [CONFIG] = securityConfigs(['memory'], ['reference']);

function expect429(res: Response): void {
  expectGenericError(res, 429, [DEMO_PASSWORD]);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60); // a soft lock: it ends by itself
}

describe('Security E/B: throttling without a trusted proxy (RATE_LIMIT=on)', () => {
  const chirp = useSecurityChirp(CONFIG, { env: { RATE_LIMIT: 'on' } });

  const login = (username: string, password: string, forwardedFor?: string) => {
    const req = chirp.http.post('/auth/login');
    if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
    return req.send({ username, password: chirp.secret(password) });
  };

  async function member(): Promise<string> {
    const username = `t_${randomBytes(5).toString('hex')}`;
    const res = await chirp.http
      .post('/auth/register')
      .send({ username, password: 'long-enough-1' });
    expect(res.status).toBe(201);
    return username;
  }

  it('S37: successful logins never count', async () => {
    const username = await member();
    for (let i = 0; i < 8; i++) {
      const res = await login(username, 'long-enough-1');
      expect(res.status).toBe(200);
      chirp.remember(res.body as TokenPair);
    }
  });

  it('S37: an account is locked after its 5th failure (429 + Retry-After), rotating X-Forwarded-For does not help, the right password gets the same 429', async () => {
    const victim = await member();
    for (let i = 0; i < 5; i++) {
      expectGenericError(await login(victim, `wrong-${i}-password`, `10.1.0.${i}`), 401);
    }
    const locked = await login(victim, 'wrong-again-password', '10.1.0.99');
    expect429(locked);
    const right = await login(victim, 'long-enough-1', '10.1.0.100');
    expect429(right);
    expect(right.text).toBe(locked.text);
    // An unknown account locks the same way: the lock does not reveal which accounts exist.
    const ghost = `ghost_${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 5; i++) await login(ghost, `wrong-${i}-password`);
    const ghostLocked = await login(ghost, 'whatever-password');
    expect429(ghostLocked);
    expect(ghostLocked.text).toBe(locked.text);
  });

  it('S37: a client spraying many accounts (credential stuffing) is blocked by the per-client limit; it stays a soft lock', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await login(`spray_${i}_${randomBytes(2).toString('hex')}`, 'password-123');
      answers.push(res.status);
      if (res.status === 429) expect429(res);
    }
    const firstBlocked = answers.indexOf(429);
    expect(firstBlocked).toBeGreaterThan(0);
    expect(firstBlocked).toBeLessThanOrEqual(21);
    expect(new Set(answers.slice(firstBlocked))).toEqual(new Set([429]));
  });

  it('S08: a client guessing tokens is answered 429 after the threshold, without touching the store', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await chirp.me(randomBytes(32).toString('base64url'))).status);
    }
    const firstBlocked = statuses.indexOf(429);
    expect(firstBlocked).toBeGreaterThan(0);
    expect(new Set(statuses.slice(0, firstBlocked))).toEqual(new Set([401]));
    const calls = await chirp.countStoreCalls(async () => {
      const res = await chirp.me(randomBytes(32).toString('base64url'));
      expect429(res);
    });
    expect(calls).toBe(0);
    // Public routes stay open to the blocked client.
    expect((await chirp.http.get('/posts')).status).toBe(200);
  });

  itKeepsSecretsOutOfTheLog(chirp);
});

describe('Security E/B: throttling behind a trusted proxy (RATE_LIMIT=on, TRUST_PROXY=loopback)', () => {
  const chirp = useSecurityChirp(CONFIG, {
    env: { RATE_LIMIT: 'on', TRUST_PROXY: 'loopback' },
  });

  it('S08: one client guessing tokens is blocked; a legitimate token from another client keeps working (no global lockout)', async () => {
    const guesser = '203.0.113.7';
    let blocked = false;
    for (let i = 0; i < 40 && !blocked; i++) {
      const res = await chirp.http
        .get('/me')
        .set('X-Forwarded-For', guesser)
        .set(bearer(randomBytes(32).toString('base64url')));
      if (res.status === 429) {
        expect429(res);
        blocked = true;
      } else {
        expect(res.status).toBe(401);
      }
    }
    expect(blocked).toBe(true);
    const alice = await chirp.session('alice');
    const other = await chirp.http
      .get('/me')
      .set('X-Forwarded-For', '198.51.100.23')
      .set(bearer(alice.accessToken));
    expect(other.status).toBe(200);
  });

  it('S08: requests without a token never count as guesses, however many', async () => {
    const client = '203.0.113.8';
    const anonymous = () => chirp.http.get('/me').set('X-Forwarded-For', client);
    for (let i = 0; i < 40; i++) {
      const res = await anonymous();
      expect({ i, status: res.status, challenge: res.headers['www-authenticate'] }).toEqual({
        i,
        status: 401,
        challenge: 'Bearer',
      });
    }
    // 40 is past the limit (30): a guess now is only the first one counted, not blocked.
    const guess = await anonymous().set(bearer(randomBytes(32).toString('base64url')));
    expect(guess.status).toBe(401);
  });

  it('S37: failures are counted per forwarded client, and the lock logs the address it came from', async () => {
    const client = '192.0.2.44';
    const mark = chirp.log.entries.length;
    let blocked: Response | null = null;
    for (let i = 0; i < 25 && !blocked; i++) {
      const res = await chirp.http
        .post('/auth/login')
        .set('X-Forwarded-For', client)
        .send({ username: `nobody_${i}`, password: 'password-123' });
      if (res.status === 429) blocked = res;
    }
    expect(blocked).not.toBeNull();
    expect429(blocked!);
    expect(chirp.log.since(mark).some((e) => e.text.includes(client))).toBe(true);
    const elsewhere = await chirp.http
      .post('/auth/login')
      .set('X-Forwarded-For', '192.0.2.45')
      .send({ username: 'alice', password: DEMO_PASSWORD });
    expect(elsewhere.status).toBe(200);
    chirp.remember(elsewhere.body as TokenPair);
  });

  itKeepsSecretsOutOfTheLog(chirp);
});
