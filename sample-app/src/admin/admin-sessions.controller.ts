import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { RequireFreshSession, RequirePermission, SessionService } from 'nest-sessions';

/**
 * Incident response, for holders of `users:manage`. `@RequireFreshSession()` for the same
 * reason as user administration: only a session that is live in the store, with
 * `users:manage` in effect now, may log everyone out.
 */
@RequireFreshSession()
@RequirePermission('users:manage')
@Controller('admin/sessions')
export class AdminSessionsController {
  constructor(private readonly sessions: SessionService) {}

  /**
   * Ends every session of every user, the caller's included (e.g. after a leak of the
   * database or of tokens): every access and refresh token stops working; everyone logs in
   * again. 204.
   */
  @Post('revoke-everything')
  @HttpCode(HttpStatus.NO_CONTENT)
  async revokeEverything(): Promise<void> {
    await this.sessions.revokeEverything();
  }
}
