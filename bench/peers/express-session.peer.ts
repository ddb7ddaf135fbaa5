// Peer: `express-session` with its default MemoryStore (PEER_STORE=memory) or with
// `connect-redis` on node-redis (PEER_STORE=redis, REDIS_URL), as their READMEs configure
// them; a global guard reads `req.session.user` and checks the permission. Cookie sessions
// (reference tokens).
import {
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Injectable,
  Module,
  Post,
  Req,
  UnauthorizedException,
  ForbiddenException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import {
  checkPassword,
  hasPermissions,
  IS_PUBLIC_KEY,
  PeerBenchController,
  Public,
  RequirePermissions,
  startPeer,
  type PeerUser,
} from './peer-common.js';

declare module 'express-session' {
  interface SessionData {
    user?: PeerUser;
  }
}

@Injectable()
class SessionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const user = context.switchToHttp().getRequest<Request>().session?.user;
    if (!user) throw new UnauthorizedException();
    if (!hasPermissions(user, this.reflector.getAllAndOverride(RequirePermissions, targets))) {
      throw new ForbiddenException();
    }
    return true;
  }
}

@Controller('auth')
class AuthController {
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  login(@Req() req: Request, @Body() body: { username?: string; password?: string }) {
    req.session.user = checkPassword(body.username, body.password);
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  logout(@Req() req: Request): Promise<void> {
    return new Promise((resolve, reject) =>
      req.session.destroy((error) => (error ? reject(error as Error) : resolve())),
    );
  }
}

@Module({
  controllers: [AuthController, PeerBenchController],
  providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
})
class ExpressSessionPeerModule {}

let store: session.Store | undefined;
if (process.env.PEER_STORE === 'redis') {
  const client = createClient({ url: process.env.REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  store = new RedisStore({ client, prefix: `${process.env.BENCH_KEY_PREFIX ?? 'bench'}:sess:` });
}

await startPeer(ExpressSessionPeerModule, (app) => {
  app.use(
    session({
      secret: process.env.SESSION_SECRET ?? 'bench-express-session-secret',
      resave: false,
      saveUninitialized: false,
      store,
    }),
  );
});
