// Peer: `express-session` with its default MemoryStore (PEER_STORE=memory) or with
// `connect-redis` on node-redis (PEER_STORE=redis, REDIS_URL), as their READMEs configure
// them; a global guard reads `req.session.user` and checks the permission. Cookie sessions
// (reference tokens). The session middleware runs on every route but the public twin.
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
import type { NextFunction, Request, Response } from 'express';
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

const sessions = session({
  secret: process.env.SESSION_SECRET ?? 'bench-express-session-secret',
  resave: false,
  saveUninitialized: false,
  store,
});

await startPeer(ExpressSessionPeerModule, (app) => {
  // The public twin is the ceiling, "the same route with the guard disabled": here the session
  // middleware is the peer's authentication, so the twin skips it. Mounted on every route, it
  // would load the session there too (the cookie is sent to both) and the ratio would compare
  // the peer with itself, not with an unguarded route as the anchors do.
  app.use((req: Request, res: Response, next: NextFunction) =>
    req.path === '/bench/public' ? next() : sessions(req, res, next),
  );
});
