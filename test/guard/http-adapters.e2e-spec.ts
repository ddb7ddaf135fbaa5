import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Post,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  AuthGuard,
  CurrentSession,
  CurrentUser,
  MemorySessionStore,
  OwnedResource,
  Public,
  RequireOwnership,
  RequirePermission,
  SessionCookies,
  SessionModule,
  SessionService,
  TokenService,
  type AuthenticatedUser,
  type CookieResponse,
  type CsrfRequest,
  type OwnershipContext,
  type OwnershipResolver,
  type Principal,
  type SessionEvent,
} from 'nest-sessions';
import request from 'supertest';

const PERMISSIONS: Record<string, string[]> = {
  alice: ['item:create', 'item:delete:own'],
  bob: ['item:delete:own'],
};

/** A store that can be switched off: every access-token lookup then fails. */
class SwitchableStore extends MemorySessionStore {
  down = false;

  override findByAccessHash(hash: string) {
    return this.down ? Promise.reject(new Error('ECONNREFUSED')) : super.findByAccessHash(hash);
  }
}

@Injectable()
class ItemOwnership implements OwnershipResolver<{ id: string; owner: string }> {
  load({ params }: OwnershipContext) {
    return params.id === 'a1' ? { id: 'a1', owner: 'alice' } : null;
  }
  ownerOf(item: { owner: string }) {
    return item.owner;
  }
}

/** The guard bound per controller (not globally): it finds `SessionCookies` by itself. */
@Controller('items')
@UseGuards(AuthGuard)
class ItemsController {
  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser, @CurrentSession() session: Principal) {
    return { user: user.id, sessionId: session.sessionId };
  }

  @RequirePermission('item:create')
  @Post()
  create(@CurrentUser() user: AuthenticatedUser) {
    return { createdBy: user.id };
  }

  @RequireOwnership(ItemOwnership, { own: 'item:delete:own', any: 'item:delete:any' })
  @Delete(':id')
  remove(@OwnedResource() item: { id: string }) {
    return { deleted: item.id };
  }
}

/** A minimal cookie-transport auth controller, as the README shows it. */
@Controller('auth')
@UseGuards(AuthGuard)
class CookieAuthController {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly cookies: SessionCookies,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(
    @Body() body: { user: string },
    @Req() req: CsrfRequest,
    @Res({ passthrough: true }) res: CookieResponse,
  ) {
    this.cookies.assertTrustedOrigin(req);
    const issued = await this.tokens.issue({
      userId: body.user,
      permissions: PERMISSIONS[body.user] ?? [],
    });
    return { csrfToken: this.cookies.issue(res, issued) };
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() req: CsrfRequest, @Res({ passthrough: true }) res: CookieResponse) {
    const token = this.cookies.readRefreshToken(req);
    const issued = token ? await this.tokens.refresh(token) : null;
    if (!issued) throw new UnauthorizedException();
    this.cookies.rotate(res, issued);
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(
    @CurrentSession() session: Principal,
    @Res({ passthrough: true }) res: CookieResponse,
  ) {
    await this.sessions.revoke(session.sessionId);
    this.cookies.clear(res, { clearSiteData: true });
  }
}

const ADAPTERS: ReadonlyArray<[string, () => AbstractHttpAdapter]> = [
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
];

// The guard, the decorators, the error answers and cookie transport, identical on both
// HTTP platforms, with Nest's own exception filter (no app filter).
describe.each(ADAPTERS)('AuthGuard and SessionCookies on %s', (_name, adapter) => {
  let app: INestApplication;
  let tokens: TokenService;
  const store = new SwitchableStore();
  const events: SessionEvent[] = [];
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        SessionModule.forRoot({
          store,
          sweepInterval: 0,
          cookies: {},
          onEvent: (event) => events.push(event),
        }),
      ],
      controllers: [ItemsController, CookieAuthController],
      providers: [ItemOwnership],
    }).compile();
    app = moduleRef.createNestApplication(adapter(), { logger: false });
    await app.init();
    if (_name === 'Fastify') {
      await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
    }
    tokens = app.get(TokenService);
  });

  afterAll(async () => {
    await app?.close();
  });

  const bearer = async (user: string) =>
    `Bearer ${(await tokens.issue({ userId: user, permissions: PERMISSIONS[user] })).accessToken}`;

  it('hands the principal to @CurrentUser, @CurrentSession and @OwnedResource', async () => {
    const auth = await bearer('alice');
    const me = await http().get('/items/me').set('Authorization', auth);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: 'alice', sessionId: expect.any(String) });
    const removed = await http().delete('/items/a1').set('Authorization', auth);
    expect({ status: removed.status, body: removed.body }).toEqual({
      status: 200,
      body: { deleted: 'a1' },
    });
  });

  it('answers 401 with WWW-Authenticate, 403, 404 and 503 with the same bodies', async () => {
    const none = await http().get('/items/me');
    expect([none.status, none.headers['www-authenticate'], none.body]).toEqual([
      401,
      'Bearer',
      { statusCode: 401, error: 'Unauthorized', message: 'Invalid or missing access token' },
    ]);
    const bad = await http()
      .get('/items/me')
      .set('Authorization', `Bearer ${'A'.repeat(43)}`);
    expect([bad.status, bad.headers['www-authenticate'], bad.body]).toEqual([
      401,
      'Bearer error="invalid_token"',
      none.body,
    ]);
    const bob = await bearer('bob');
    const forbidden = await http().post('/items').set('Authorization', bob);
    expect([forbidden.status, forbidden.body]).toEqual([
      403,
      { statusCode: 403, error: 'Forbidden', message: 'Insufficient permission' },
    ]);
    expect((await http().delete('/items/a1').set('Authorization', bob)).status).toBe(403);
    const missing = await http().delete('/items/zz').set('Authorization', bob);
    expect([missing.status, missing.body]).toEqual([
      404,
      { statusCode: 404, error: 'Not Found', message: 'Resource not found' },
    ]);
    store.down = true;
    try {
      const unavailable = await http().get('/items/me').set('Authorization', bob);
      expect([unavailable.status, unavailable.body]).toEqual([
        503,
        { statusCode: 503, error: 'Service Unavailable', message: 'Session store unavailable' },
      ]);
    } finally {
      store.down = false;
    }
  });

  it('sets, reads, rotates and clears the cookies, with the CSRF defence', async () => {
    const login = await http().post('/auth/login').send({ user: 'alice' });
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    const set = login.headers['set-cookie'] as unknown as string[];
    expect(set.map((c) => c.slice(0, c.indexOf('=')))).toEqual([
      '__Host-session',
      '__Secure-refresh',
      '__Host-csrf',
    ]);
    const value = (name: string, from: string[]) =>
      from
        .find((c) => c.startsWith(`${name}=`))!
        .split(';')[0]
        .slice(name.length + 1);
    const csrf = value('__Host-csrf', set);
    expect(csrf).toBe(login.body.csrfToken);
    const cookie = `__Host-session=${value('__Host-session', set)}; __Host-csrf=${csrf}`;

    expect((await http().get('/items/me').set('Cookie', cookie)).body.user).toBe('alice');
    // Unsafe without the token, or from another site: 403 before anything runs.
    const refused = await http().post('/items').set('Cookie', cookie);
    expect([refused.status, refused.body]).toEqual([
      403,
      { statusCode: 403, error: 'Forbidden', message: 'Cross-site request refused' },
    ]);
    const crossSite = await http()
      .post('/items')
      .set({ Cookie: cookie, 'X-CSRF-Token': csrf, 'Sec-Fetch-Site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(events.filter((e) => e.type === 'session.csrf-rejected').map((e) => e.reason)).toEqual([
      'token',
      'cross-site',
    ]);
    const created = await http().post('/items').set({ Cookie: cookie, 'X-CSRF-Token': csrf });
    expect(created.body).toEqual({ createdBy: 'alice' });

    const refreshed = await http()
      .post('/auth/refresh')
      .set({
        Cookie: `__Secure-refresh=${value('__Secure-refresh', set)}; __Host-csrf=${csrf}`,
        'X-CSRF-Token': csrf,
      });
    expect(refreshed.status).toBe(200);
    const rotated = refreshed.headers['set-cookie'] as unknown as string[];
    expect(rotated).toHaveLength(2);
    const next = `__Host-session=${value('__Host-session', rotated)}; __Host-csrf=${csrf}`;

    const logout = await http().post('/auth/logout').set({ Cookie: next, 'X-CSRF-Token': csrf });
    expect(logout.status).toBe(204);
    expect(logout.headers['clear-site-data']).toBe('"cookies"');
    expect(logout.headers['set-cookie']).toEqual([
      '__Host-session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict',
      '__Secure-refresh=; Path=/auth/refresh; Max-Age=0; Secure; HttpOnly; SameSite=Strict',
      '__Host-csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict',
    ]);
    expect((await http().get('/items/me').set('Cookie', next)).status).toBe(401);
  });
});
