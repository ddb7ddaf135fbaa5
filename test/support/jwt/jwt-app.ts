import { expect } from '@jest/globals';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Post,
  UnauthorizedException,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CurrentSession,
  JwtTokenService,
  Public,
  RequireFreshSession,
  RequirePermission,
  SessionModule,
  SessionService,
  SessionStore,
  TokenService,
  type IssuedTokens,
  type Principal,
  type SessionEvent,
  type SessionModuleOptions,
} from 'nest-sessions';
import request from 'supertest';

/** Counts business writes, so attacks can assert "no side effect" (G5). */
@Injectable()
export class SideEffects {
  /** Posts created through `POST /posts` and `POST /fresh/posts`. */
  posts = 0;
}

const view = (principal: Principal) => ({
  user: principal.userId,
  sessionId: principal.sessionId,
  permissions: [...principal.permissions].sort(),
});

/**
 * The probe routes of the JWT suites, behind the global guard:
 * `GET /me`, `POST /posts` (`post:create`), `GET /admin` (`user:admin`), the same under
 * `/fresh/...` with `@RequireFreshSession()`, `POST /auth/logout`, and the public
 * `POST /auth/refresh`.
 */
@Controller()
export class ProbeController {
  constructor(
    private readonly effects: SideEffects,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
  ) {}

  @Get('me')
  me(@CurrentSession() principal: Principal) {
    return view(principal);
  }

  @RequirePermission('post:create')
  @Post('posts')
  createPost(@CurrentSession() principal: Principal) {
    this.effects.posts++;
    return { createdBy: principal.userId };
  }

  @RequirePermission('user:admin')
  @Get('admin')
  admin(@CurrentSession() principal: Principal) {
    return view(principal);
  }

  @RequireFreshSession()
  @Get('fresh/me')
  freshMe(@CurrentSession() principal: Principal) {
    return view(principal);
  }

  @RequireFreshSession()
  @RequirePermission('post:create')
  @Post('fresh/posts')
  freshCreatePost(@CurrentSession() principal: Principal) {
    this.effects.posts++;
    return { createdBy: principal.userId };
  }

  @HttpCode(204)
  @Post('auth/logout')
  async logout(@CurrentSession() principal: Principal): Promise<void> {
    await this.sessions.revoke(principal.sessionId);
  }

  @Public()
  @HttpCode(200)
  @Post('auth/refresh')
  async refresh(@Body() body: { refreshToken?: unknown }): Promise<IssuedTokens> {
    const issued =
      typeof body?.refreshToken === 'string' ? await this.tokens.refresh(body.refreshToken) : null;
    if (!issued) throw new UnauthorizedException();
    return issued;
  }
}

/** A running test app with the value-token strategy and the global guard. */
export interface JwtTestApp {
  readonly app: INestApplication;
  /** The strategy, typed as what `strategy: 'value'` builds. */
  readonly tokens: JwtTokenService;
  readonly sessions: SessionService;
  readonly store: SessionStore;
  readonly effects: SideEffects;
  /** Every event the module emitted (`onEvent`). */
  readonly events: SessionEvent[];
  /** A supertest agent on the app. */
  http(): ReturnType<typeof request>;
  /** Logs `userId` in with `permissions`. */
  login(userId: string, permissions: readonly string[]): Promise<IssuedTokens>;
  close(): Promise<void>;
}

/**
 * Builds the probe app through `SessionModule.forRoot({ strategy: 'value', globalGuard: true,
 * ...options })`, so the wiring is tested too, and runs its lifecycle hooks (`init`).
 */
export async function createJwtApp(
  options: Omit<SessionModuleOptions, 'strategy' | 'onEvent'>,
): Promise<JwtTestApp> {
  const events: SessionEvent[] = [];
  const moduleRef = await Test.createTestingModule({
    imports: [
      SessionModule.forRoot({
        sweepInterval: 0,
        ...options,
        strategy: 'value',
        globalGuard: true,
        onEvent: (event) => events.push(event),
      }),
    ],
    controllers: [ProbeController],
    providers: [SideEffects],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const tokens = app.get(TokenService);
  if (!(tokens instanceof JwtTokenService)) throw new Error('expected the value-token strategy');
  return {
    app,
    tokens,
    sessions: app.get(SessionService),
    store: app.get(SessionStore),
    effects: app.get(SideEffects),
    events,
    http: () => request(app.getHttpServer()),
    login: (userId, permissions) => tokens.issue({ userId, permissions }),
    close: () => app.close(),
  };
}

/** The generic 401 body every rejected credential gets (G2). */
export const UNAUTHORIZED_BODY = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'Invalid or missing access token',
} as const;

/** The challenge of a 401 for a presented token (G3). */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/**
 * What an attack must not change (G4/G5): the stored sessions and subject records of
 * `users`, the published revocation notices, and the business counter.
 */
export async function sideEffectSnapshot(t: JwtTestApp, users: readonly string[]) {
  const lists = await Promise.all(users.map((user) => t.store.listByUser(user)));
  const notices = await t.store.readRevocations(0);
  return { lists, notices, posts: t.effects.posts };
}

/** Options of {@link expectRejected}. */
export interface RejectionOptions {
  /** Users whose stored state must not change. */
  readonly users: readonly string[];
  /** Returns a valid token; `GET /me` with it must answer 200 afterwards (G1). */
  readonly control: () => Promise<string>;
}

/**
 * Sends `token` as a Bearer credential to `GET /me` and `POST /posts` and asserts, for
 * each: 401, `WWW-Authenticate: Bearer error="invalid_token"`, the generic body (G2/G3),
 * a `session.token-rejected` event carrying at most a hash prefix (G6), no change to the
 * store or the business counter (G4/G5), and that the app still serves a valid token (G1).
 */
export async function expectRejected(
  t: JwtTestApp,
  token: string,
  { users, control }: RejectionOptions,
): Promise<void> {
  const before = await sideEffectSnapshot(t, users);
  const eventsBefore = t.events.length;
  const responses = [
    await t.http().get('/me').set('Authorization', `Bearer ${token}`),
    await t.http().post('/posts').set('Authorization', `Bearer ${token}`),
  ];
  for (const res of responses) {
    expect({
      status: res.status,
      challenge: res.headers['www-authenticate'],
      body: res.body,
    }).toEqual({ status: 401, challenge: INVALID_TOKEN_CHALLENGE, body: UNAUTHORIZED_BODY });
  }
  expect(await sideEffectSnapshot(t, users)).toEqual(before);
  const emitted = t.events.slice(eventsBefore);
  expect(emitted.map((event) => event.type)).toEqual([
    'session.token-rejected',
    'session.token-rejected',
  ]);
  if (token.length > 0) expect(JSON.stringify(emitted)).not.toContain(token);
  const ok = await t
    .http()
    .get('/me')
    .set('Authorization', `Bearer ${await control()}`);
  expect(ok.status).toBe(200);
}
