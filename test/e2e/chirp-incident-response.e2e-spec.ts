import {
  bearer,
  CHIRP_TEST_CONFIGS,
  describeOnConfig,
  ChirpHarness,
  expectError,
  type TokenPair,
} from './chirp-harness.js';

// POST /admin/sessions/revoke-everything, with both strategies on every store. It ends
// every session, so it gets a Chirp of its own.
describe.each(CHIRP_TEST_CONFIGS)('Chirp incident response ($name)', (testConfig) => {
  describeOnConfig(testConfig)(`on ${testConfig.dialect}`, () => {
    let chirp: ChirpHarness;

    beforeAll(async () => {
      chirp = await ChirpHarness.start(testConfig);
    });

    afterAll(async () => {
      await chirp?.stop();
    });

    const me = (token: string) => chirp.http.get('/me').set(bearer(token));
    const refresh = (tokens: TokenPair) =>
      chirp.http.post('/auth/refresh').send({ refreshToken: tokens.refreshToken });
    const revokeEverything = (token?: string) => {
      const call = chirp.http.post('/admin/sessions/revoke-everything');
      return token === undefined ? call : call.set(bearer(token));
    };

    it('needs a session (401) and users:manage (403), and then revokes nothing', async () => {
      const mod = await chirp.login('mod');
      expectError(await revokeEverything(), 401);
      expectError(await revokeEverything(mod.accessToken), 403);
      expect((await me(mod.accessToken)).status).toBe(200);
    });

    it('ends every session of every user, the caller’s included; logging in again works', async () => {
      const admin = await chirp.login('admin');
      const otherAdmin = await chirp.login('admin');
      const alice = await chirp.login('alice');
      const user = await chirp.newUser('incident');
      const rotated = await chirp.refresh(user.tokens); // a rotated family too
      const everyone = [admin, otherAdmin, alice, rotated];
      for (const tokens of everyone) expect((await me(tokens.accessToken)).status).toBe(200);

      const response = await revokeEverything(admin.accessToken);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');

      for (const tokens of [...everyone, user.tokens]) {
        const refused = await me(tokens.accessToken);
        expectError(refused, 401);
        expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        expectError(await refresh(tokens), 401);
      }

      const again = await chirp.login('alice');
      expect((await me(again.accessToken)).status).toBe(200);
      const sessions = await chirp.http.get('/auth/sessions').set(bearer(again.accessToken));
      expect(sessions.body).toHaveLength(1);
      expect((await refresh(again)).status).toBe(200);
      const adminAgain = await chirp.login('admin');
      expect(
        (await chirp.http.get('/admin/users').set(bearer(adminAgain.accessToken))).status,
      ).toBe(200);
    });
  });
});
