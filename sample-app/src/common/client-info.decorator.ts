import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ClientInfo } from 'nest-sessions';

interface ClientRequest {
  readonly ip?: string;
  readonly socket?: { readonly remoteAddress?: string };
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * The client's IP address and `User-Agent`, recorded with a session at login and shown
 * in `GET /auth/sessions`. The IP is the socket's peer: `X-Forwarded-For` is ignored,
 * because no trusted proxy is configured.
 *
 * @example
 * login(@Body() dto: LoginDto, @Client() client: ClientInfo) { ... }
 */
export const Client = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ClientInfo => {
    const request = context.switchToHttp().getRequest<ClientRequest>();
    const userAgent = request.headers['user-agent'];
    return {
      ip: request.ip ?? request.socket?.remoteAddress ?? null,
      userAgent: typeof userAgent === 'string' ? userAgent : null,
    };
  },
);
