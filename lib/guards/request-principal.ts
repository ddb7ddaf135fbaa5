import type { Principal } from '../tokens/token.types.js';

const PRINCIPAL = Symbol.for('nest-sessions.principal');
const RESOURCE = Symbol.for('nest-sessions.owned-resource');

type Carrier = Record<symbol, unknown>;

/** Attaches the verified principal to a request (Express or Fastify). */
export function setPrincipal(request: object, principal: Principal): void {
  (request as Carrier)[PRINCIPAL] = principal;
}

/** The principal the guard attached to `request`, or `undefined` on a public route. */
export function getPrincipal(request: object): Principal | undefined {
  return (request as Carrier)[PRINCIPAL] as Principal | undefined;
}

/** Attaches the resource loaded by an ownership check. */
export function setOwnedResource(request: object, resource: unknown): void {
  (request as Carrier)[RESOURCE] = resource;
}

/** The resource loaded by an ownership check, or `undefined`. */
export function getOwnedResource(request: object): unknown {
  return (request as Carrier)[RESOURCE];
}

/**
 * The client's IP address as the HTTP adapter reports it (`request.ip` on Express and
 * Fastify: the socket's peer unless the app trusts a proxy), at most 64 characters, or
 * `undefined`. The address the library records in its events; use it for your own throttle
 * keys and logs so that they all name the same client.
 *
 * @example
 * const key = `login:${clientIp(request) ?? 'unknown'}`;
 */
export function clientIp(request: object): string | undefined {
  const ip = (request as { ip?: unknown }).ip;
  return typeof ip === 'string' && ip.length > 0 ? ip.slice(0, 64) : undefined;
}
