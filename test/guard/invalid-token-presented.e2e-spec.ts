import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  UseGuards,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthGuard,
  InvalidTokenException,
  SessionModule,
  SessionService,
  TokenService,
} from 'nest-sessions';
import request from 'supertest';

// InvalidTokenException.tokenPresented: how an app tells a refused token (a client guessing)
// from a request with none, without overriding the guard's steps; and that the flag stays
// out of the 401 body.

const UNAUTHORIZED = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'Invalid or missing access token',
};

/** Every 401 the guard below threw, in order. */
const thrown: InvalidTokenException[] = [];

/** `AuthGuard` as an app extends it: it only looks at what the library threw. */
@Injectable()
class RecordingAuthGuard extends AuthGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (error) {
      if (error instanceof InvalidTokenException) thrown.push(error);
      throw error;
    }
  }
}

@Controller('guarded')
@UseGuards(RecordingAuthGuard)
class GuardedController {
  @Get()
  read() {
    return { ok: true };
  }
}

describe('InvalidTokenException', () => {
  it('says no token was presented unless its thrower says otherwise', () => {
    expect(new InvalidTokenException().tokenPresented).toBe(false);
    expect(new InvalidTokenException(undefined, { tokenPresented: true }).tokenPresented).toBe(
      true,
    );
  });

  it('keeps tokenPresented out of the response body', () => {
    for (const tokenPresented of [true, false]) {
      const exception = new InvalidTokenException(undefined, { tokenPresented });
      expect(exception.getResponse()).toEqual(UNAUTHORIZED);
    }
  });
});

describe('AuthGuard: InvalidTokenException.tokenPresented over HTTP', () => {
  let app: INestApplication;
  let tokens: TokenService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ sweepInterval: 0 })],
      controllers: [GuardedController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    tokens = app.get(TokenService);
  });

  afterAll(async () => {
    await app?.close();
  });

  /** `GET /guarded` with `authorization`; returns the answer and what the guard threw. */
  async function refuse(authorization: string | undefined) {
    thrown.length = 0;
    const call = request(app.getHttpServer()).get('/guarded');
    const response = await (authorization === undefined
      ? call
      : call.set('Authorization', authorization));
    expect(thrown).toHaveLength(1);
    return { response, exception: thrown[0] };
  }

  it.each([
    ['no Authorization header', undefined],
    ['another scheme', 'Basic YWxpY2U6cGFzc3dvcmQ='],
  ])('is false for %s', async (_case, authorization) => {
    const { response, exception } = await refuse(authorization);
    expect(exception.tokenPresented).toBe(false);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body).toEqual(UNAUTHORIZED);
  });

  it.each([
    ['a malformed Bearer credential', 'Bearer'],
    ['an unknown token', `Bearer ${'A'.repeat(43)}`],
  ])('is true for %s, and the body does not carry it', async (_case, authorization) => {
    const { response, exception } = await refuse(authorization);
    expect(exception.tokenPresented).toBe(true);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(response.body).toEqual(UNAUTHORIZED);
    expect(response.text).not.toContain('tokenPresented');
  });

  it('is true for a token that was valid and has been revoked', async () => {
    const issued = await tokens.issue({ userId: 'carol', permissions: [] });
    const ok = await request(app.getHttpServer())
      .get('/guarded')
      .set('Authorization', `Bearer ${issued.accessToken}`);
    expect(ok.status).toBe(200);
    expect(await app.get(SessionService).revoke(issued.sessionId)).toBe(true);
    const { exception } = await refuse(`Bearer ${issued.accessToken}`);
    expect(exception.tokenPresented).toBe(true);
  });
});
