// Peer: what a database-backed reference token costs without caching — a global guard that
// looks the opaque Bearer token up in PostgreSQL with TypeORM's `findOne` on every request.
import { randomBytes } from 'node:crypto';
import {
  Body,
  Controller,
  ForbiddenException,
  HttpCode,
  HttpStatus,
  Injectable,
  Module,
  Post,
  Req,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { Column, Entity, PrimaryColumn, type Repository } from 'typeorm';
import {
  checkPassword,
  hasPermissions,
  IS_PUBLIC_KEY,
  PeerBenchController,
  Public,
  RequirePermissions,
  startPeer,
} from './peer-common.js';

@Entity('bench_naive_tokens')
class TokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  token!: string;

  @Column({ type: 'varchar' })
  userId!: string;

  @Column({ type: 'simple-json' })
  permissions!: string[];

  @Column({ type: 'bigint' })
  expiresAt!: string;
}

interface BearerRequest {
  headers: { authorization?: string };
  user?: TokenEntity;
}

function bearer(request: BearerRequest): string | null {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}

@Injectable()
class TokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<BearerRequest>();
    const token = bearer(request);
    const row = token ? await this.tokens.findOne({ where: { token } }) : null;
    if (!row || Number(row.expiresAt) <= Date.now()) throw new UnauthorizedException();
    if (!hasPermissions(row, this.reflector.getAllAndOverride(RequirePermissions, targets))) {
      throw new ForbiddenException();
    }
    request.user = row;
    return true;
  }
}

@Controller('auth')
class AuthController {
  constructor(@InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>) {}

  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(@Body() body: { username?: string; password?: string }) {
    const user = checkPassword(body.username, body.password);
    const token = randomBytes(32).toString('base64url');
    await this.tokens.insert({
      token,
      userId: user.id,
      permissions: [...user.permissions],
      expiresAt: String(Date.now() + 3_600_000),
    });
    return { accessToken: token };
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Req() request: BearerRequest): Promise<void> {
    if (request.user) await this.tokens.delete({ token: request.user.token });
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: process.env.DATABASE_URL,
      entities: [TokenEntity],
      synchronize: true,
      logging: false,
      retryAttempts: 0,
    }),
    TypeOrmModule.forFeature([TokenEntity]),
  ],
  controllers: [AuthController, PeerBenchController],
  providers: [{ provide: APP_GUARD, useClass: TokenGuard }],
})
class TypeOrmNaivePeerModule {}

await startPeer(TypeOrmNaivePeerModule);
