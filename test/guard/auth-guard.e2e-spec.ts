import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Delete,
  Get,
  Injectable,
  Post,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthGuard,
  CurrentSession,
  CurrentUser,
  ManualClock,
  MemorySessionStore,
  OwnedResource,
  Public,
  RequireOwnership,
  RequirePermission,
  SessionModule,
  SessionService,
  SessionStore,
  TokenService,
  type AuthenticatedUser,
  type CreateSessionOptions,
  type NewSessionRecord,
  type OwnershipContext,
  type OwnershipResolver,
  type Principal,
  type RevocationNotice,
  type SessionEvent,
  type SessionRotation,
} from 'nest-sessions';
import request from 'supertest';

const IDLE = 60_000;
const TOUCH = 10_000;
const ABSOLUTE = 120_000;

interface PostRecord {
  readonly id: string;
  readonly authorId: string;
}

const POSTS = new Map<string, PostRecord>([
  ['p-alice', { id: 'p-alice', authorId: 'alice' }],
  ['p-bob', { id: 'p-bob', authorId: 'bob' }],
]);

/** Loads posts from memory and counts how often the guard asked. */
@Injectable()
class PostOwnership implements OwnershipResolver<PostRecord> {
  calls = 0;

  load({ params }: OwnershipContext): PostRecord | null {
    this.calls++;
    return POSTS.get(params.id ?? '') ?? null;
  }

  ownerOf(post: PostRecord): string {
    return post.authorId;
  }
}

@Controller('posts')
@UseGuards(AuthGuard)
@RequirePermission('post:read')
class PostsController {
  @Public()
  @Get('public')
  readPublic(@CurrentUser() user: AuthenticatedUser | undefined) {
    return { public: true, user: user?.id ?? null };
  }

  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser, @CurrentSession() session: Principal) {
    return {
      user: user.id,
      sessionId: session.sessionId,
      permissions: [...user.permissions].sort(),
    };
  }

  @RequirePermission('post:create')
  @Post()
  create(@CurrentUser() user: AuthenticatedUser) {
    return { createdBy: user.id };
  }

  @RequireOwnership(PostOwnership, { own: 'post:delete:own', any: 'post:delete:any' })
  @Delete(':id')
  remove(@OwnedResource() post: PostRecord, @CurrentUser() user: AuthenticatedUser) {
    return { deleted: post.id, by: user.id };
  }
}

@Controller()
class DefaultDenyController {
  @Get('undecorated')
  undecorated(@CurrentUser() user: AuthenticatedUser) {
    return { user: user.id };
  }

  @Public()
  @Get('health')
  health() {
    return { ok: true };
  }
}

/**
 * A remote-flagged store (so `storeTimeout` applies) that can be switched to failing
 * (every call rejects) or hanging (no call ever answers).
 */
class SwitchableStore extends SessionStore {
  mode: 'up' | 'failing' | 'hanging' = 'up';
  private readonly inner = new MemorySessionStore();

  private call<T>(operation: (store: MemorySessionStore) => Promise<T>): Promise<T> {
    if (this.mode === 'failing') {
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    }
    if (this.mode === 'hanging') return new Promise<T>(() => undefined);
    return operation(this.inner);
  }

  create(session: NewSessionRecord, options: CreateSessionOptions) {
    return this.call((s) => s.create(session, options));
  }
  findByAccessHash(hash: string) {
    return this.call((s) => s.findByAccessHash(hash));
  }
  findByRefreshHash(hash: string) {
    return this.call((s) => s.findByRefreshHash(hash));
  }
  findById(id: string) {
    return this.call((s) => s.findById(id));
  }
  touch(id: string, at: number) {
    return this.call((s) => s.touch(id, at));
  }
  rotate(id: string, expected: string, rotation: SessionRotation) {
    return this.call((s) => s.rotate(id, expected, rotation));
  }
  delete(id: string) {
    return this.call((s) => s.delete(id));
  }
  revokeAll(userId: string, keep: string | null) {
    return this.call((s) => s.revokeAll(userId, keep));
  }
  listByUser(userId: string) {
    return this.call((s) => s.listByUser(userId));
  }
  setPermissions(userId: string, permissions: readonly string[]) {
    return this.call((s) => s.setPermissions(userId, permissions));
  }
  deleteExpired(now: number) {
    return this.call((s) => s.deleteExpired(now));
  }
  clear() {
    return this.call((s) => s.clear());
  }
  publishRevocation(notice: RevocationNotice) {
    return this.call((s) => s.publishRevocation(notice));
  }
  readRevocations(since: number) {
    return this.call((s) => s.readRevocations(since));
  }
}

const USERS = {
  alice: ['post:read', 'post:create', 'post:delete:own'],
  bob: ['post:read', 'post:delete:own'],
  mod: ['post:read', 'post:delete:any'],
  reader: ['post:read'],
  creatorOnly: ['post:create'],
} satisfies Record<string, string[]>;

type UserName = keyof typeof USERS;

const UNAUTHORIZED = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'Invalid or missing access token',
};
const FORBIDDEN = { statusCode: 403, error: 'Forbidden', message: 'Insufficient permission' };
const INVALID_TOKEN = 'Bearer error="invalid_token"';

describe('AuthGuard over HTTP', () => {
  let app: INestApplication;
  let tokens: TokenService;
  let sessions: SessionService;
  let ownership: PostOwnership;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = new SwitchableStore();
  const events: SessionEvent[] = [];
  const issuedSecrets: string[] = [];

  /** Logs `user` in and returns the access token (and the rest). */
  async function login(user: UserName) {
    const issued = await tokens.issue({ userId: user, permissions: USERS[user] });
    issuedSecrets.push(issued.accessToken, issued.refreshToken);
    return issued;
  }

  const http = () => request(app.getHttpServer());
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  /** Asserts the generic 401 with an `error="invalid_token"` challenge. */
  async function expectInvalidToken(authorization: string, path = '/posts/me') {
    const res = await http().get(path).set('Authorization', authorization);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN);
    expect(res.body).toEqual(UNAUTHORIZED);
  }

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({
          store,
          clock,
          idleTimeout: IDLE,
          touchInterval: TOUCH,
          absoluteTimeout: ABSOLUTE,
          storeTimeout: 50,
          sweepInterval: 0,
          onEvent: (event) => events.push(event),
        }),
      ],
      controllers: [PostsController],
      providers: [PostOwnership],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    tokens = app.get(TokenService);
    sessions = app.get(SessionService);
    ownership = app.get(PostOwnership);
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('authentication', () => {
    it('lets a valid token through and hands the principal to the handler', async () => {
      const alice = await login('alice');
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const res = await http()
          .get('/posts/me')
          .set('Authorization', `${scheme} ${alice.accessToken}`);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          user: 'alice',
          sessionId: alice.sessionId,
          permissions: [...USERS.alice].sort(),
        });
      }
    });

    it('answers 401 with a bare Bearer challenge when no credential is sent', async () => {
      const res = await http().get('/posts/me');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual(UNAUTHORIZED);
    });

    it('answers 401 to another scheme, without reading tokens from the query or body', async () => {
      const alice = await login('alice');
      for (const authorization of ['Basic YWxpY2U6cGFzc3dvcmQ=', `Token ${alice.accessToken}`]) {
        const res = await http().get('/posts/me').set('Authorization', authorization);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.body).toEqual(UNAUTHORIZED);
      }
      const viaQuery = await http().get(`/posts/me?access_token=${alice.accessToken}`);
      expect(viaQuery.status).toBe(401);
      const viaBody = await http().post('/posts').send({ access_token: alice.accessToken });
      expect(viaBody.status).toBe(401);
    });

    it('answers the same 401 to malformed Bearer credentials', async () => {
      const alice = await login('alice');
      for (const authorization of [
        'Bearer',
        `Bearer  ${alice.accessToken}`,
        `Bearer ${alice.accessToken} extra`,
        "Bearer ' OR '1'='1",
        'Bearer session:*',
        'Bearer {"$ne":null}',
        `Bearer ${alice.accessToken.slice(0, 20)}=${alice.accessToken.slice(21)}`,
      ]) {
        await expectInvalidToken(authorization);
      }
    });

    it('answers the same 401 to unknown and altered tokens', async () => {
      const alice = await login('alice');
      const flipped =
        alice.accessToken.slice(0, -1) + (alice.accessToken.endsWith('A') ? 'B' : 'A');
      for (const token of [
        'A'.repeat(43),
        flipped,
        alice.accessToken.slice(1),
        `${alice.accessToken}x`,
        alice.refreshToken,
      ]) {
        await expectInvalidToken(`Bearer ${token}`);
      }
      expect((await http().get('/posts/me').set(bearer(alice.accessToken))).status).toBe(200);
    });

    it('answers the same 401 once the idle timeout has passed', async () => {
      const alice = await login('alice');
      clock.advance(IDLE);
      await expectInvalidToken(`Bearer ${alice.accessToken}`);
    });

    it('answers the same 401 once the absolute timeout has passed, however busy', async () => {
      const alice = await login('alice');
      for (let t = IDLE / 2; t < ABSOLUTE; t += IDLE / 2) {
        clock.advance(IDLE / 2);
        expect((await http().get('/posts/me').set(bearer(alice.accessToken))).status).toBe(200);
      }
      clock.advance(IDLE / 2);
      await expectInvalidToken(`Bearer ${alice.accessToken}`);
    });

    it('answers the same 401 after SessionService.revoke', async () => {
      const alice = await login('alice');
      const other = await login('alice');
      expect(await sessions.revoke(alice.sessionId)).toBe(true);
      await expectInvalidToken(`Bearer ${alice.accessToken}`);
      expect((await http().get('/posts/me').set(bearer(other.accessToken))).status).toBe(200);
    });

    it('answers the same 401 to every session after SessionService.revokeAll', async () => {
      const bob1 = await login('bob');
      const bob2 = await login('bob');
      const alice = await login('alice');
      await sessions.revokeAll('bob');
      await expectInvalidToken(`Bearer ${bob1.accessToken}`);
      await expectInvalidToken(`Bearer ${bob2.accessToken}`);
      expect((await http().get('/posts/me').set(bearer(alice.accessToken))).status).toBe(200);
    });

    it('authenticates before authorizing: no token on a guarded route is 401, not 403', async () => {
      const calls = ownership.calls;
      const res = await http().delete('/posts/p-alice');
      expect(res.status).toBe(401);
      expect(ownership.calls).toBe(calls);
    });
  });

  describe('permissions', () => {
    it('answers 403 to a signed-in caller lacking the class-level permission', async () => {
      const creator = await login('creatorOnly');
      const res = await http().post('/posts').set(bearer(creator.accessToken));
      expect(res.status).toBe(403);
      expect(res.body).toEqual(FORBIDDEN);
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('requires the class and the method permissions together', async () => {
      const reader = await login('reader');
      const denied = await http().post('/posts').set(bearer(reader.accessToken));
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual(FORBIDDEN);

      const alice = await login('alice');
      const created = await http().post('/posts').set(bearer(alice.accessToken));
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ createdBy: 'alice' });
    });

    it('applies a permission change from the next request', async () => {
      const reader = await login('reader');
      expect((await http().post('/posts').set(bearer(reader.accessToken))).status).toBe(403);
      await sessions.setPermissions('reader', ['post:read', 'post:create']);
      expect((await http().post('/posts').set(bearer(reader.accessToken))).status).toBe(201);
      await sessions.setPermissions('reader', USERS.reader);
      expect((await http().post('/posts').set(bearer(reader.accessToken))).status).toBe(403);
    });
  });

  describe('ownership', () => {
    it('lets the owner act and hands the loaded resource to the handler', async () => {
      const alice = await login('alice');
      const res = await http().delete('/posts/p-alice').set(bearer(alice.accessToken));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: 'p-alice', by: 'alice' });
    });

    it('answers 403 to an "own" holder acting on somebody else\'s resource', async () => {
      const bob = await login('bob');
      const res = await http().delete('/posts/p-alice').set(bearer(bob.accessToken));
      expect(res.status).toBe(403);
      expect(res.body).toEqual(FORBIDDEN);
    });

    it('lets an "any" holder act on anybody\'s resource', async () => {
      const mod = await login('mod');
      const res = await http().delete('/posts/p-bob').set(bearer(mod.accessToken));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: 'p-bob', by: 'mod' });
    });

    it('answers 404 when the resource does not exist', async () => {
      const alice = await login('alice');
      const res = await http().delete('/posts/p-nobody').set(bearer(alice.accessToken));
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, message: expect.any(String) });
    });

    it('answers 403 to a caller with neither permission before loading anything', async () => {
      const reader = await login('reader');
      const before = ownership.calls;
      for (const id of ['p-alice', 'p-nobody']) {
        const res = await http().delete(`/posts/${id}`).set(bearer(reader.accessToken));
        expect(res.status).toBe(403);
        expect(res.body).toEqual(FORBIDDEN);
      }
      expect(ownership.calls).toBe(before);

      const alice = await login('alice');
      await http().delete('/posts/p-alice').set(bearer(alice.accessToken));
      expect(ownership.calls).toBe(before + 1);
    });
  });

  describe('public routes', () => {
    it('answer 200 without a token, and do not attach a principal', async () => {
      const anonymous = await http().get('/posts/public');
      expect(anonymous.status).toBe(200);
      expect(anonymous.body).toEqual({ public: true, user: null });
      const garbage = await http().get('/posts/public').set('Authorization', 'Bearer ***');
      expect(garbage.status).toBe(200);
    });
  });

  describe('store failure', () => {
    const UNAVAILABLE = {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Session store unavailable',
    };

    it('answers 503, never 401 or 500, when the store fails or does not answer', async () => {
      const alice = await login('alice');
      for (const mode of ['failing', 'hanging'] as const) {
        store.mode = mode;
        try {
          for (const token of [alice.accessToken, 'Q'.repeat(43)]) {
            const res = await http().get('/posts/me').set(bearer(token));
            expect(res.status).toBe(503);
            expect(res.body).toEqual(UNAVAILABLE);
            expect(JSON.stringify(res.body)).not.toContain('ECONNREFUSED');
          }
        } finally {
          store.mode = 'up';
        }
      }
      expect((await http().get('/posts/me').set(bearer(alice.accessToken))).status).toBe(200);
    });

    it('still refuses malformed tokens with 401 while the store is down (no I/O for them)', async () => {
      store.mode = 'failing';
      try {
        await expectInvalidToken('Bearer short');
      } finally {
        store.mode = 'up';
      }
    });
  });

  describe('events', () => {
    it('report rejected tokens and denied permissions without any raw token', () => {
      expect(events.some((e) => e.type === 'session.token-rejected')).toBe(true);
      expect(events.some((e) => e.type === 'session.permission-denied')).toBe(true);
      expect(issuedSecrets.length).toBeGreaterThan(0);
      for (const event of events) {
        const text = JSON.stringify(event);
        for (const secret of issuedSecrets) expect(text).not.toContain(secret);
      }
    });
  });
});

describe('AuthGuard as the global guard (deny by default)', () => {
  let app: INestApplication;
  let tokens: TokenService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ sweepInterval: 0, globalGuard: true })],
      controllers: [DefaultDenyController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    tokens = app.get(TokenService);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 401 on an undecorated route without a token', async () => {
    const res = await request(app.getHttpServer()).get('/undecorated');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toEqual(UNAUTHORIZED);
  });

  it('lets a valid token through the undecorated route', async () => {
    const issued = await tokens.issue({ userId: 'carol', permissions: [] });
    const res = await request(app.getHttpServer())
      .get('/undecorated')
      .set('Authorization', `Bearer ${issued.accessToken}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: 'carol' });
  });

  it('answers 200 on a @Public() route without a token', async () => {
    const res = await request(app.getHttpServer()).get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });
});
