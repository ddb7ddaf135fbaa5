import {
  Injectable,
  NotFoundException,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { isSafeMethod } from '../cookies/csrf.js';
import { SessionCookies, type SessionCredential } from '../cookies/session-cookies.js';
import { IS_PUBLIC } from '../decorators/public.decorator.js';
import { REQUIRE_FRESH_SESSION } from '../decorators/require-fresh-session.decorator.js';
import { OWNERSHIP_REQUIREMENT } from '../decorators/require-ownership.decorator.js';
import { REQUIRED_PERMISSIONS } from '../decorators/require-permission.decorator.js';
import { SessionEvents } from '../events/session-events.js';
import { InsufficientPermissionException } from '../exceptions/insufficient-permission.exception.js';
import { InvalidTokenException } from '../exceptions/invalid-token.exception.js';
import type { OwnershipRequirement, OwnershipResolver } from '../permissions/ownership.js';
import { missingPermissions } from '../permissions/permission-name.js';
import { hashToken } from '../tokens/opaque-token.js';
import { TokenService } from '../tokens/token.service.js';
import type { Principal } from '../tokens/token.types.js';
import { parseAuthorization } from './bearer.js';
import { clientIp, setOwnedResource, setPrincipal } from './request-principal.js';

/** What the guard needs to know about a route, from its decorators. */
export interface RoutePolicy {
  /** `@Public()` on the method or its controller. */
  readonly isPublic: boolean;
  /** Every permission `@RequirePermission` asks for, class and method together. */
  readonly permissions: readonly string[];
  /** The `@RequireOwnership` rule, if any. */
  readonly ownership: OwnershipRequirement | undefined;
  /** `@RequireFreshSession()` on the method or its controller. */
  readonly fresh: boolean;
}

interface HttpRequest {
  readonly method?: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly params?: Record<string, string | undefined>;
  readonly rawHeaders?: readonly string[];
  readonly raw?: { readonly rawHeaders?: readonly string[] };
}

interface HttpResponse {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/**
 * Authenticates every request it guards and authorizes it against the route's
 * `@RequirePermission` and `@RequireOwnership` metadata.
 *
 * Steps, each a `protected` method an app can override in a subclass:
 * {@link isPublic} → {@link extractCredential} → ({@link checkCsrf}) → {@link verify} →
 * {@link attach} → {@link authorize}. Failures: 401 with `WWW-Authenticate: Bearer` (and
 * `error="invalid_token"` when a token was sent), 403 for a missing permission or
 * ownership, 404 when an owned resource does not exist, 503 when the store is down;
 * with cookie transport, 403 for an unsafe request by cookie that fails the CSRF defence.
 *
 * @example
 * @UseGuards(AuthGuard) @Controller('posts') export class PostsController { ... }
 * // or globally: SessionModule.forRoot({ ... , globalGuard: true })
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly policies = new WeakMap<object, WeakMap<object, RoutePolicy>>();
  private readonly resolvers = new Map<Type<OwnershipResolver>, OwnershipResolver>();
  private cookies: SessionCookies | null | undefined;

  constructor(
    protected readonly reflector: Reflector,
    protected readonly tokens: TokenService,
    protected readonly moduleRef: ModuleRef,
    protected readonly events: SessionEvents,
  ) {}

  /** @inheritdoc */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic(context)) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const credential = this.extractCredential(request);
    if (credential.kind === 'cookie' && !isSafeMethod(request.method)) this.checkCsrf(request);
    if (credential.kind !== 'token' && credential.kind !== 'cookie') {
      throw this.unauthenticated(context, credential.kind !== 'malformed' ? null : '');
    }
    const principal = await this.verify(credential.token, context);
    if (!principal) {
      throw this.unauthenticated(context, credential.token);
    }
    this.attach(request, principal);
    await this.authorize(context, principal);
    return true;
  }

  /**
   * The route's metadata (`@Public`, `@RequirePermission` of class and method,
   * `@RequireOwnership`, `@RequireFreshSession`), read once per route and then cached:
   * decorators cannot change after boot, and every request runs the guard.
   */
  protected routePolicy(context: ExecutionContext): RoutePolicy {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.policies.get(controller);
    if (!byHandler) {
      byHandler = new WeakMap();
      this.policies.set(controller, byHandler);
    }
    let policy = byHandler.get(handler);
    if (!policy) {
      policy = {
        isPublic: this.reflector.getAllAndOverride(IS_PUBLIC, [handler, controller]) === true,
        permissions: this.reflector
          .getAll(REQUIRED_PERMISSIONS, [controller, handler])
          .flatMap((p) => p ?? []),
        ownership: this.reflector.get(OWNERSHIP_REQUIREMENT, handler),
        fresh:
          this.reflector.getAllAndOverride(REQUIRE_FRESH_SESSION, [handler, controller]) === true,
      };
      byHandler.set(handler, policy);
    }
    return policy;
  }

  /** Whether the route or its controller is marked `@Public()`. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.routePolicy(context).isPublic;
  }

  /**
   * Reads the credential from the `Authorization` header (sent more than once, it is
   * malformed: 401). With cookie transport (the `cookies` option) and no `Authorization`
   * header at all, from the session cookie: a header that is present, even invalid, is the
   * credential and the cookie is never a fallback. Query strings and bodies are never read.
   */
  protected extractCredential(request: HttpRequest): SessionCredential {
    const header = parseAuthorization(request);
    if (header.kind !== 'none') return header;
    return this.sessionCookies()?.readSessionCookie(request) ?? header;
  }

  /**
   * The CSRF defence for an unsafe request authenticated by the session cookie, before the
   * token is even verified (so nothing is touched): see `SessionCookies.assertCsrf`.
   * @throws CsrfRejectedException (403)
   */
  protected checkCsrf(request: HttpRequest): void {
    const cookies = this.sessionCookies();
    if (!cookies) throw new InsufficientPermissionException();
    cookies.assertCsrf(request);
  }

  /**
   * Verifies the token with the configured {@link TokenService}; on `@RequireFreshSession()`
   * routes also confirms the session against the store with current permissions.
   */
  protected async verify(token: string, context: ExecutionContext): Promise<Principal | null> {
    const principal = await this.tokens.verify(token);
    if (!principal) return null;
    return this.routePolicy(context).fresh ? this.tokens.verifyFresh(principal) : principal;
  }

  /** Makes the principal available to `@CurrentSession()` and `@CurrentUser()`. */
  protected attach(request: object, principal: Principal): void {
    setPrincipal(request, principal);
  }

  /**
   * Checks the route's permission requirements (class and method, all required), then its
   * ownership rule. Throws 403 (or 404 for a missing owned resource).
   */
  protected async authorize(context: ExecutionContext, principal: Principal): Promise<void> {
    const { permissions, ownership } = this.routePolicy(context);
    const missing = missingPermissions(principal.permissions, permissions);
    if (missing.length > 0) throw this.forbidden(principal, missing, context);
    if (ownership) await this.authorizeOwnership(context, principal, ownership);
  }

  /** Applies a `@RequireOwnership` rule: `any` always passes; `own` passes for the owner. */
  protected async authorizeOwnership(
    context: ExecutionContext,
    principal: Principal,
    rule: OwnershipRequirement,
  ): Promise<void> {
    const canAny = principal.permissions.has(rule.any);
    if (!canAny && !principal.permissions.has(rule.own)) {
      throw this.forbidden(principal, [rule.own, rule.any], context);
    }
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const resolver = this.resolver(rule.resolver);
    const resource = await resolver.load({ params: request.params ?? {}, principal, request });
    if (resource === null || resource === undefined)
      throw new NotFoundException('Resource not found');
    if (!canAny) {
      const owner = resolver.ownerOf(resource);
      if (owner === null || owner === undefined || String(owner) !== principal.userId) {
        throw this.forbidden(principal, [rule.any], context);
      }
    }
    setOwnedResource(request, resource);
  }

  /**
   * The 401 to throw; sets `WWW-Authenticate` per RFC 6750 on the response first, and emits
   * `session.token-rejected` (hash prefix and client IP, never the token) when one was sent.
   * The exception's `tokenPresented` says which of the two it was.
   * @param presentedToken the token sent, `''` for a malformed credential, `null` for none.
   */
  protected unauthenticated(context: ExecutionContext, presentedToken: string | null): Error {
    const http = context.switchToHttp();
    const response = http.getResponse<HttpResponse>();
    const value = presentedToken === null ? 'Bearer' : 'Bearer error="invalid_token"';
    if (typeof response.header === 'function') response.header('WWW-Authenticate', value);
    else response.setHeader?.('WWW-Authenticate', value);
    if (presentedToken !== null) {
      this.events.emit({
        type: 'session.token-rejected',
        at: this.events.now(),
        tokenHashPrefix: presentedToken ? hashToken(presentedToken).slice(0, 12) : undefined,
        ip: clientIp(http.getRequest<object>()),
      });
    }
    return new InvalidTokenException(undefined, { tokenPresented: presentedToken !== null });
  }

  /** The 403 to throw; emits `session.permission-denied`. */
  protected forbidden(
    principal: Principal,
    permissions: readonly string[],
    context?: ExecutionContext,
  ): Error {
    this.events.emit({
      type: 'session.permission-denied',
      at: this.events.now(),
      userId: principal.userId,
      sessionId: principal.sessionId,
      permissions,
      ip: context ? clientIp(context.switchToHttp().getRequest<object>()) : undefined,
    });
    return new InsufficientPermissionException();
  }

  /** `SessionCookies` of the app, looked up once; `null` if the app has none. */
  private sessionCookies(): SessionCookies | null {
    if (this.cookies !== undefined) return this.cookies;
    let found: SessionCookies | null;
    try {
      found = this.moduleRef.get(SessionCookies, { strict: false });
    } catch {
      found = null;
    }
    this.cookies = found;
    return found;
  }

  private resolver(type: Type<OwnershipResolver>): OwnershipResolver {
    const cached = this.resolvers.get(type);
    if (cached) return cached;
    let resolver: OwnershipResolver;
    try {
      resolver = this.moduleRef.get(type, { strict: false });
    } catch {
      throw new Error(
        `nest-sessions: ownership resolver ${type.name} is not a provider. ` +
          `Fix: add ${type.name} to the providers of the module that declares the route.`,
      );
    }
    this.resolvers.set(type, resolver);
    return resolver;
  }
}
