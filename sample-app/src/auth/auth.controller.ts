import {
  Body,
  Controller,
  Header,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  Req,
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
  type IssuedTokens,
  type CsrfRequest,
  type Principal,
} from 'nest-sessions';
import { Client } from '../common/client-info.decorator.js';
import { setHeader, type HeaderTarget } from '../common/set-header.js';
import { MEMBER_PERMISSIONS } from '../permissions/chirp-permissions.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { RefreshDto } from './dto/refresh.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { AuthTransport } from './auth-transport.js';
import type { CookieSession, TokenPair } from './token-pair.js';
import { CHIRP_CONFIG } from '../config/chirp-config.module.js';
import type { ChirpConfig } from '../config/chirp-config.js';
import {
  FailureThrottle,
  LOGIN_PER_ACCOUNT,
  LOGIN_PER_CLIENT,
  type FailureRule,
} from '../security/failure-throttle.js';
import { logLoginFailure, logLogout } from '../security/security-log.js';
import { tooManyRequests } from '../security/too-many-requests.js';
import { USERNAME_PATTERN } from './username.js';

/** The throttling keys of a login attempt: its account and its client. */
function loginKeys(username: string, ip: string | null | undefined): Array<[string, FailureRule]> {
  return [
    [`login-account:${username.slice(0, 64).toLowerCase()}`, LOGIN_PER_ACCOUNT],
    [`login-client:${ip ?? 'unknown'}`, LOGIN_PER_CLIENT],
  ];
}

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
    private readonly throttle: FailureThrottle,
    @Inject(CHIRP_CONFIG) private readonly config: ChirpConfig,
    private readonly transport: AuthTransport,
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
   * Logs in: a new session and its first token pair (in cookies with
   * `AUTH_TRANSPORT=cookie`, where a cross-site login is a 403 first). An unknown user and
   * a wrong password get the same 401, after the same password-hashing work.
   */
  @Public()
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async login(
    @Body() dto: LoginDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: HeaderTarget,
    @Req() request: CsrfRequest,
  ): Promise<TokenPair | CookieSession> {
    this.transport.beforeLogin(request);
    // With RATE_LIMIT=on, failures count per account and per client; a blocked attempt is
    // answered 429 before any password work, whether or not the password is right.
    const throttled = this.config.rateLimit ? loginKeys(dto.username, client.ip) : [];
    const blocked = await this.throttle.blockedFor(throttled);
    if (blocked > 0) {
      logLoginFailure(dto.username, client.ip ?? undefined, true);
      throw tooManyRequests(response, blocked);
    }
    const user = USERNAME_PATTERN.test(dto.username)
      ? await this.users.authenticate(dto.username, dto.password)
      : await this.passwords.verifyDummy(dto.password).then(() => null);
    if (!user) {
      logLoginFailure(dto.username, client.ip ?? undefined, false);
      const nowBlocked = await this.throttle.recordFailure(throttled);
      if (nowBlocked > 0) throw tooManyRequests(response, nowBlocked);
      setHeader(response, 'WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('Invalid username or password');
    }
    const permissions = await this.users.getPermissions(user.id);
    return this.transport.signedIn(
      response,
      await this.tokens.issue({ userId: user.id, permissions }, client),
    );
  }

  /**
   * Spends a refresh token for a new pair. A spent token presented again revokes its
   * session (the library's reuse detection), except a replay within the grace window.
   * With `AUTH_TRANSPORT=cookie` the token comes from its cookie (CSRF defence first) and
   * the new pair goes back in cookies.
   */
  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async refresh(
    @Body() dto: RefreshDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: HeaderTarget,
    @Req() request: CsrfRequest,
  ): Promise<TokenPair | CookieSession> {
    const refreshToken = this.transport.refreshToken(request, dto);
    const tokens =
      refreshToken === null
        ? null
        : await this.stillAllowed(await this.tokens.refresh(refreshToken, client));
    if (!tokens) {
      this.transport.signedOut(response);
      setHeader(response, 'WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new UnauthorizedException('Invalid refresh token');
    }
    return this.transport.refreshed(response, tokens);
  }

  /**
   * A refreshed pair, unless its user was deleted or disabled meanwhile (behind the
   * library's back, e.g. in SQL): then the session is ended and the refresh refused.
   */
  private async stillAllowed(tokens: IssuedTokens | null): Promise<IssuedTokens | null> {
    if (!tokens) return null;
    const user = await this.users.findById(tokens.userId);
    if (user && !user.disabled) return tokens;
    await this.sessions.revoke(tokens.sessionId, { reason: 'user-gone' });
    return null;
  }

  /** Ends the calling session: its access and refresh tokens stop working at once. */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(
    @CurrentSession() session: Principal,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<void> {
    await this.sessions.revoke(session.sessionId, { reason: 'logout' });
    this.transport.signedOut(response);
    logLogout(session.userId, session.sessionId, client.ip ?? undefined);
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
