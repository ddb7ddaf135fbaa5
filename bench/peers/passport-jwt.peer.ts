// Peer: the Nest docs' authentication recipe with Passport — `@nestjs/passport` +
// `passport-jwt`, a string secret in `jwtConstants`, a global `JwtAuthGuard` honouring
// `@Public()`, and the docs' roles-guard pattern for the permission. Value tokens, no logout.
import {
  Body,
  Controller,
  HttpCode,
  HttpStatus,
  Injectable,
  Module,
  Post,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import {
  checkPassword,
  hasPermissions,
  IS_PUBLIC_KEY,
  PeerBenchController,
  Public,
  RequirePermissions,
  startPeer,
} from './peer-common.js';

/** As in the docs (the bench shares it between instances A and B). */
const jwtConstants = {
  secret: process.env.JWT_SECRET ?? 'DO NOT USE THIS VALUE. INSTEAD, CREATE A COMPLEX SECRET.',
};

interface JwtPayload {
  sub: string;
  username: string;
  permissions: string[];
}

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: jwtConstants.secret,
    });
  }

  validate(payload: JwtPayload) {
    return { userId: payload.sub, username: payload.username, permissions: payload.permissions };
  }
}

@Injectable()
class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    return super.canActivate(context);
  }
}

@Injectable()
class PermissionsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride(RequirePermissions, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required) return true;
    const { user } = context.switchToHttp().getRequest<{ user?: { permissions?: string[] } }>();
    return hasPermissions(user, required);
  }
}

@Controller('auth')
class AuthController {
  constructor(private readonly jwtService: JwtService) {}

  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(@Body() body: { username?: string; password?: string }) {
    const user = checkPassword(body.username, body.password);
    const payload: JwtPayload = {
      sub: user.id,
      username: user.username,
      permissions: [...user.permissions],
    };
    return { accessToken: await this.jwtService.signAsync(payload) };
  }
}

@Module({
  imports: [
    PassportModule,
    JwtModule.register({
      global: true,
      secret: jwtConstants.secret,
      signOptions: { expiresIn: '3600s' },
    }),
  ],
  controllers: [AuthController, PeerBenchController],
  providers: [
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: PermissionsGuard },
  ],
})
class PassportJwtPeerModule {}

await startPeer(PassportJwtPeerModule);
