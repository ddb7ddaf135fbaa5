import { Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { RequireFreshSession, RequirePermission, SessionService } from 'nest-sessions';
import { AuthTransport } from '../auth/auth-transport.js';
import type { HeaderTarget } from '../common/set-header.js';

/**
 * Incident response, for holders of `users:manage`. `@RequireFreshSession()` for the same
 * reason as user administration: only a session that is live in the store, with
 * `users:manage` in effect now, may log everyone out.
 */
@RequireFreshSession()
@RequirePermission('users:manage')
@Controller('admin/sessions')
export class AdminSessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly transport: AuthTransport,
  ) {}

  /**
   * Ends every session of every user, the caller's included (e.g. after a leak of the
   * database or of tokens): every access and refresh token stops working; everyone logs in
   * again. 204. With `AUTH_TRANSPORT=cookie` the caller's cookies are expired too.
   */
  @Post('revoke-everything')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeEverything(@Res({ passthrough: true }) response: HeaderTarget): Promise<void> {
    await this.sessions.revokeEverything();
    this.transport.signedOut(response);
  }
}
