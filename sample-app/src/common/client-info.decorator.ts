import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { clientIp, type ClientInfo } from 'nest-sessions';

/**
 * The client's IP address (the library's `clientIp`: `request.ip`, which `TRUST_PROXY`
 * governs, the same address the throttle keys and the library's events use) and
 * `User-Agent`, recorded with a session at login and shown in `GET /auth/sessions`.
 *
 * @example
 * login(@Body() dto: LoginDto, @Client() client: ClientInfo) { ... }
 */
export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientInfo => {
    const request = context
      .switchToHttp()
      .getRequest<{ readonly headers: Record<string, string | string[] | undefined> }>();
    const userAgent = request.headers['user-agent'];
    return {
      ip: clientIp(request) ?? null,
      userAgent: typeof userAgent === 'string' ? userAgent : null,
    };
  },
);
