import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ClientInfo } from 'nest-sessions';

/**
 * The client's IP address as the HTTP adapter reports it (`request.ip`): the socket's peer,
 * or with `TRUST_PROXY` the address the trusted proxies forwarded (Express's `trust proxy`
 * and Fastify's `trustProxy` are both set from it). Chirp's one rule for the client address,
 * for throttle keys, sessions and log lines; it is the library's rule for the `ip` of its
 * events too (`clientIp`, which the library does not export), so all of them name the same
 * client. `undefined` when the adapter does not know.
 */
export function clientAddress(request: object): string | undefined {
  const ip = (request as { ip?: unknown }).ip;
  return typeof ip === 'string' && ip.length > 0 ? ip.slice(0, 64) : undefined;
}

/**
 * The client's IP address ({@link clientAddress}) and `User-Agent`, recorded with a session
 * at login and shown in `GET /auth/sessions`.
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
      ip: clientAddress(request) ?? null,
      userAgent: typeof userAgent === 'string' ? userAgent : null,
    };
  },
);
