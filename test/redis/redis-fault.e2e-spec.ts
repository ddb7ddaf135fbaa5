import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AuthGuard,
  CurrentUser,
  generateOpaqueToken,
  SessionModule,
  SessionStoreUnavailableException,
  TokenService,
  type AuthenticatedUser,
} from '../../lib/index.js';
import { RedisSessionStore } from '../../lib/redis/redis-session.store.js';
import { RedisServerProcess, redisServerSuite, waitFor } from '../support/redis-server.js';

const installed = redisServerSuite('Redis fault suite');

@Controller()
@UseGuards(AuthGuard)
class MeController {
  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser) {
    return { user: user.id };
  }
}

const UNAVAILABLE = {
  statusCode: 503,
  error: 'Service Unavailable',
  message: 'Session store unavailable',
};

(installed ? describe : describe.skip)('RedisSessionStore when its Redis goes away', () => {
  let server: RedisServerProcess | undefined;
  let store: RedisSessionStore;
  let app: INestApplication | undefined;
  let tokens: TokenService;

  const me = (token: string) =>
    request(app!.getHttpServer()).get('/me').set('Authorization', `Bearer ${token}`);

  /** Bounded wait until the store's own client has (re)connected. */
  const storeAnswers = () =>
    waitFor('the store to reconnect', () =>
      store.ping().then(
        () => true,
        () => false,
      ),
    );

  beforeAll(async () => {
    server = await RedisServerProcess.start();
    store = RedisSessionStore.fromUrl(server.url, {
      keyPrefix: 'fault',
      commandTimeout: 200,
      connectTimeout: 200,
      maxReconnectDelay: 200,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ store, storeTimeout: 500, sweepInterval: 0 })],
      controllers: [MeController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    tokens = app.get(TokenService);
    await storeAnswers();
  });

  afterAll(async () => {
    await app?.close(); // closes the store, which closes its own client
    await server?.destroy();
  });

  it('answers 503 while Redis is down, never 401 or 500, and recovers when it is back', async () => {
    const alice = await tokens.issue({ userId: 'alice', permissions: [] });
    expect((await me(alice.accessToken)).status).toBe(200);

    await server!.stop();

    for (const token of [alice.accessToken, generateOpaqueToken()]) {
      const res = await me(token);
      expect(res.status).toBe(503);
      expect(res.body).toEqual(UNAVAILABLE);
    }
    // A malformed token is refused before any I/O: 401, Redis or not.
    expect((await me('not-a-token')).status).toBe(401);
    await expect(tokens.issue({ userId: 'bob', permissions: [] })).rejects.toBeInstanceOf(
      SessionStoreUnavailableException,
    );
    await expect(tokens.refresh(alice.refreshToken)).rejects.toBeInstanceOf(
      SessionStoreUnavailableException,
    );

    await server!.resume(); // same port and data directory: the sessions were saved
    await storeAnswers();

    expect((await me(alice.accessToken)).body).toEqual({ user: 'alice' });
    const bob = await tokens.issue({ userId: 'bob', permissions: [] });
    expect((await me(bob.accessToken)).status).toBe(200);
    const refreshed = await tokens.refresh(alice.refreshToken);
    expect(refreshed).not.toBeNull();
    expect((await me(refreshed!.accessToken)).status).toBe(200);
  });

  it('answers 503 when Redis accepts connections but never replies, and recovers', async () => {
    const carol = await tokens.issue({ userId: 'carol', permissions: [] });
    server!.freeze();
    try {
      const res = await me(carol.accessToken);
      expect(res.status).toBe(503);
      expect(res.body).toEqual(UNAVAILABLE);
    } finally {
      server!.thaw();
    }
    await storeAnswers();
    expect((await me(carol.accessToken)).status).toBe(200);
  });
});
