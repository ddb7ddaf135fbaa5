import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Scope,
  UseGuards,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { AuthGuard, PassportModule } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import {
  CurrentSession,
  InvalidTokenException,
  SessionModule,
  SessionService,
  TokenService,
  getPrincipal,
  type IssuedTokens,
  type Principal,
  type SessionModuleOptions,
} from 'nest-sessions';
import { SessionPassportStrategy } from 'nest-sessions/passport';
import request from 'supertest';

/** A request-scoped provider reading the caller from the request, as apps often do. */
@Injectable({ scope: Scope.REQUEST })
class CallerContext {
  constructor(@Inject(REQUEST) private readonly req: object) {}

  userId(): string | undefined {
    return getPrincipal(this.req)?.userId;
  }
}

@Controller()
@UseGuards(AuthGuard('nest-sessions'))
class ProfileController {
  constructor(private readonly caller: CallerContext) {}

  @Get('whoami')
  whoami(@CurrentSession() session: Principal) {
    return { fromDecorator: session.userId, fromRequestScope: this.caller.userId() };
  }
}

/** Every InvalidTokenException the recording guard saw, in order. */
const thrown: InvalidTokenException[] = [];

/** Passport's guard as an app extends it, noting what the strategy refused. */
@Injectable()
class RecordingPassportGuard extends AuthGuard('nest-sessions') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return (await super.canActivate(context)) as boolean;
    } catch (error) {
      if (error instanceof InvalidTokenException) thrown.push(error);
      throw error;
    }
  }
}

@Controller('recorded')
@UseGuards(RecordingPassportGuard)
class RecordedController {
  @Get()
  read() {
    return { ok: true };
  }
}

const strategies: Array<[string, SessionModuleOptions]> = [
  ['reference', { strategy: 'reference' }],
  ['value', { strategy: 'value', jwt: { secret: randomBytes(32) } }],
];

describe.each(strategies)('SessionPassportStrategy with %s tokens', (_name, options) => {
  let app: INestApplication;
  let tokens: IssuedTokens;

  beforeAll(async () => {
    @Module({
      imports: [PassportModule, SessionModule.forRoot(options)],
      controllers: [ProfileController, RecordedController],
      providers: [SessionPassportStrategy, CallerContext],
    })
    class AppModule {}

    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
    tokens = await app.get(TokenService).issue({ userId: 'alice', permissions: ['posts:like'] });
  });

  afterAll(() => app.close());

  it("authenticates through AuthGuard('nest-sessions'), request-scoped providers included", async () => {
    const response = await request(app.getHttpServer())
      .get('/whoami')
      .set('Authorization', `Bearer ${tokens.accessToken}`)
      .expect(200);
    expect(response.body).toEqual({ fromDecorator: 'alice', fromRequestScope: 'alice' });
  });

  it('answers the library 401 with WWW-Authenticate for missing, malformed and invalid tokens', async () => {
    const server = app.getHttpServer();
    const missing = await request(server).get('/whoami').expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    for (const header of ['Bearer', 'Bearer a b', `Bearer ${tokens.accessToken}x`]) {
      const response = await request(server)
        .get('/whoami')
        .set('Authorization', header)
        .expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(response.body).toEqual(missing.body);
    }
    expect(missing.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid or missing access token',
    });
  });

  it('says in InvalidTokenException.tokenPresented whether a credential was refused', async () => {
    const server = app.getHttpServer();
    const cases: Array<[string | undefined, boolean]> = [
      [undefined, false],
      ['Basic YWxpY2U6cGFzc3dvcmQ=', false],
      ['Bearer', true],
      [`Bearer ${tokens.accessToken}x`, true],
    ];
    for (const [authorization, presented] of cases) {
      thrown.length = 0;
      const call = request(server).get('/recorded');
      await (authorization === undefined ? call : call.set('Authorization', authorization)).expect(
        401,
      );
      expect(thrown.map((e) => e.tokenPresented)).toEqual([presented]);
    }
  });

  it('stops accepting a token once its session is revoked', async () => {
    const other = await app.get(TokenService).issue({ userId: 'bob', permissions: [] });
    const server = app.getHttpServer();
    await request(server)
      .get('/whoami')
      .set('Authorization', `Bearer ${other.accessToken}`)
      .expect(200);
    expect(await app.get(SessionService).revoke(other.sessionId)).toBe(true);
    await request(server)
      .get('/whoami')
      .set('Authorization', `Bearer ${other.accessToken}`)
      .expect(401);
  });
});
