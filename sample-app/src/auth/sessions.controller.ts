import {
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Query,
  Res,
} from '@nestjs/common';
import { CurrentSession, RequireFreshSession, SessionService, type Principal } from 'nest-sessions';
import type { HeaderTarget } from '../common/set-header.js';
import { AuthTransport } from './auth-transport.js';
import { RevokeSessionsQueryDto } from './dto/revoke-sessions-query.dto.js';

/** A session as `GET /auth/sessions` lists it. Times are ISO 8601. */
export interface SessionView {
  readonly id: string;
  readonly createdAt: string;
  readonly lastActiveAt: string;
  readonly expiresAt: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /** Whether this is the session making the request. */
  readonly current: boolean;
}

/**
 * The caller's own sessions ("devices"): list them, end one, end all (but this one). With
 * `AUTH_TRANSPORT=cookie`, ending the calling session also expires its cookies.
 */
@Controller('auth/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly transport: AuthTransport,
  ) {}

  /** The caller's live sessions, newest first. Only theirs, never anyone else's. */
  @Get()
  async list(@CurrentSession() session: Principal): Promise<SessionView[]> {
    const sessions = await this.sessions.list(session.userId);
    return sessions.map((s) => ({
      id: s.id,
      createdAt: new Date(s.createdAt).toISOString(),
      lastActiveAt: new Date(s.lastActiveAt).toISOString(),
      expiresAt: new Date(s.expiresAt).toISOString(),
      userAgent: s.userAgent,
      ip: s.ip,
      current: s.id === session.sessionId,
    }));
  }

  /**
   * Ends every session of the caller, or with `?keep=current` every one but the calling
   * session ("log out other devices").
   *
   * `@RequireFreshSession()`: with value tokens, only a session confirmed live in the store
   * may log its user out everywhere; a stolen token already revoked elsewhere (but not yet
   * known to be on this instance) must not keep the owner out of every device.
   */
  @RequireFreshSession()
  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeAll(
    @Query() query: RevokeSessionsQueryDto,
    @CurrentSession() session: Principal,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<void> {
    const keep = query.keep === 'current';
    await this.sessions.revokeAll(session.userId, { except: keep ? session.sessionId : null });
    if (!keep) this.transport.signedOut(response);
  }

  /** Ends one of the caller's sessions. 404 for an unknown id or someone else's session. */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revoke(
    @Param('id') id: string,
    @CurrentSession() session: Principal,
    @Res({ passthrough: true }) response: HeaderTarget,
  ): Promise<void> {
    const revoked = await this.sessions.revoke(id, { userId: session.userId, reason: 'revoked' });
    if (!revoked) throw new NotFoundException('Session not found');
    if (id === session.sessionId) this.transport.signedOut(response);
  }
}
