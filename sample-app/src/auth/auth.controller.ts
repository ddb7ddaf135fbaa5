import {
  Body,
  Controller,
  Header,
  HttpCode,
  HttpStatus,
  Post,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  CurrentSession,
  PasswordHasher,
  Public,
  RequireFreshSession,
  SessionService,
  TokenService,
  UserService,
  type ClientInfo,
  type Principal,
} from 'nest-sessions';
import { Client } from '../common/client-info.decorator.js';
import { setHeader, type HeaderTarget } from '../common/set-header.js';
import { MEMBER_PERMISSIONS } from '../permissions/chirp-permissions.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { RefreshDto } from './dto/refresh.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { toTokenPair, type TokenPair } from './token-pair.js';
import { USERNAME_PATTERN } from './username.js';

/**
 * Registration, login, refresh, logout and password change. Login and refresh are
 * `@Public()`; the rest needs a session (the global guard), but no permission.
 */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UserService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly passwords: PasswordHasher,
  ) {}

  /** Creates an account with a member's permissions. 201, or 409 if the name is taken. */
  @Public()
  @Post('register')
  async register(@Body() dto: RegisterDto): Promise<{ id: string; username: string }> {
    const user = await this.users.register({
      username: dto.username,
      password: dto.password,
      permissions: MEMBER_PERMISSIONS,
    });
    return { id: user.id, username: user.username };
  }

  /**
   * Logs in: a new session and its first token pair. An unknown user and a wrong
   * password get the same 401, after the same password-hashing work.
   */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async login(
    @Body() dto: LoginDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<TokenPair> {
    const user = USERNAME_PATTERN.test(dto.username)
      ? await this.users.authenticate(dto.username, dto.password)
      : await this.passwords.verifyDummy(dto.password).then(() => null);
    if (!user) {
      setHeader(response, 'WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('Invalid username or password');
    }
    const permissions = await this.users.getPermissions(user.id);
    return toTokenPair(await this.tokens.issue({ userId: user.id, permissions }, client));
  }

  /**
   * Spends a refresh token for a new pair. A spent token presented again revokes its
   * session (the library's reuse detection), except a replay within the grace window.
   */
  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async refresh(
    @Body() dto: RefreshDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<TokenPair> {
    const tokens = await this.tokens.refresh(dto.refreshToken, client);
    if (!tokens) {
      setHeader(response, 'WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new UnauthorizedException('Invalid refresh token');
    }
    return toTokenPair(tokens);
  }

  /** Ends the calling session: its access and refresh tokens stop working at once. */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@CurrentSession() session: Principal): Promise<void> {
    await this.sessions.revoke(session.sessionId, { reason: 'logout' });
  }

  /**
   * Changes the caller's password and revokes every other session of theirs (with their
   * refresh tokens); the calling session stays. 401 on a wrong current password.
   *
   * `@RequireFreshSession()`: with value tokens, a token whose session was revoked on
   * another instance still verifies until that instance's revocations reach this one;
   * such a token must not be able to change the password and lock the owner out.
   */
  @RequireFreshSession()
  @Post('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  async changePassword(
    @Body() dto: ChangePasswordDto,
    @CurrentSession() session: Principal,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<void> {
    const changed = await this.users.changePassword(
      session.userId,
      dto.currentPassword,
      dto.newPassword,
      session.sessionId,
    );
    if (!changed) {
      setHeader(response, 'WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('Current password is incorrect');
    }
  }
}
