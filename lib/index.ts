// The public API of nest-sessions. Everything an app may use is exported here, and only here.

export { SessionModule } from './session.module.js';
export {
  SESSION_MODULE_OPTIONS,
  SESSION_OPTIONS_TYPE,
  SESSION_ASYNC_OPTIONS_TYPE,
} from './session-module.definition.js';
export type {
  SessionModuleOptions,
  SessionModuleExtras,
  TokenStrategy,
} from './session-options.interface.js';
export {
  SESSION_OPTIONS,
  resolveSessionOptions,
  type ResolvedSessionOptions,
} from './session-options.resolver.js';
export { Clock, SystemClock, ManualClock } from './clock.js';

export { TokenService } from './tokens/token.service.js';
export { ReferenceTokenService } from './tokens/reference-token.service.js';
export {
  StoreBackedTokenService,
  type MintedAccessToken,
} from './tokens/store-backed-token.service.js';
export type { SessionSubject, ClientInfo, IssuedTokens, Principal } from './tokens/token.types.js';
export {
  OPAQUE_TOKEN_BYTES,
  OPAQUE_TOKEN_LENGTH,
  SESSION_ID_LENGTH,
  generateOpaqueToken,
  generateSessionId,
  hashToken,
  isOpaqueToken,
  isSessionId,
} from './tokens/opaque-token.js';

export {
  SessionStore,
  type CreateSessionOptions,
  type CreatedSession,
  type RevocationWatch,
} from './stores/session.store.js';
export {
  isSessionLive,
  type SessionRecord,
  type SubjectRecord,
  type StoredSession,
  type NewSessionRecord,
  type SessionRotation,
  type UserSessions,
} from './stores/session-record.js';
export { MemorySessionStore } from './stores/memory-session.store.js';

export {
  SessionService,
  type SessionInfo,
  type RevokeOptions,
} from './sessions/session.service.js';
export { SessionSweeper } from './sessions/session-sweeper.js';
export { StoreGateway } from './sessions/store-gateway.js';

export { AuthGuard, type RoutePolicy } from './guards/auth.guard.js';
export {
  parseBearer,
  parseAuthorization,
  isB64Token,
  MAX_AUTHORIZATION_LENGTH,
  type BearerCredential,
  type AuthorizationRequest,
} from './guards/bearer.js';

export type {
  SessionCookieOptions,
  CsrfOptions,
  CookieSameSite,
} from './cookies/cookie-options.interface.js';
export {
  resolveCookieOptions,
  type ResolvedCookieOptions,
} from './cookies/resolve-cookie-options.js';
export {
  SessionCookies,
  MAX_COOKIE_LENGTH,
  type CookieCredential,
  type SessionCredential,
  type CookieResponse,
  type ClearCookiesOptions,
} from './cookies/session-cookies.js';
export {
  readCookie,
  serializeCookie,
  type CookieLookup,
  type CookieAttributes,
} from './cookies/cookie-header.js';
export {
  checkCsrf,
  checkCsrfToken,
  checkRequestOrigin,
  isSafeMethod,
  type CsrfFailure,
  type CsrfRequest,
} from './cookies/csrf.js';
export { clientIp, getPrincipal } from './guards/request-principal.js';

export { Public, IS_PUBLIC } from './decorators/public.decorator.js';
export {
  RequirePermission,
  REQUIRED_PERMISSIONS,
} from './decorators/require-permission.decorator.js';
export {
  RequireOwnership,
  OWNERSHIP_REQUIREMENT,
} from './decorators/require-ownership.decorator.js';
export { CurrentSession } from './decorators/current-session.decorator.js';
export { CurrentUser, type AuthenticatedUser } from './decorators/current-user.decorator.js';
export { OwnedResource } from './decorators/owned-resource.decorator.js';
export type {
  OwnershipResolver,
  OwnershipContext,
  OwnershipRule,
  OwnershipRequirement,
} from './permissions/ownership.js';
export { isPermissionName, missingPermissions } from './permissions/permission-name.js';

export { SessionEvents } from './events/session-events.js';
export type {
  SessionEvent,
  SessionEventType,
  SessionEventHandler,
} from './events/session-event.js';

export { InvalidTokenException } from './exceptions/invalid-token.exception.js';
export { InsufficientPermissionException } from './exceptions/insufficient-permission.exception.js';
export { CsrfRejectedException } from './exceptions/csrf-rejected.exception.js';
export { SessionStoreUnavailableException } from './exceptions/session-store-unavailable.exception.js';
export { SessionConfigurationError } from './exceptions/session-configuration.error.js';
export { UsernameTakenException } from './exceptions/username-taken.exception.js';

export { PasswordHasher } from './passwords/password-hasher.js';
export {
  Argon2PasswordHasher,
  OWASP_ARGON2ID,
  type Argon2Parameters,
} from './passwords/argon2-password.hasher.js';
export { UserService, type NewUser, type UserSummary } from './users/user.service.js';
export {
  SESSION_ENTITIES,
  SESSION_STORE_ENTITIES,
  UserEntity,
  PermissionEntity,
  SessionEntity,
  SessionSubjectEntity,
  RefreshTokenEntity,
  RevocationEntity,
} from './entities/index.js';
export {
  SESSION_MIGRATIONS,
  CreateSessionTables1764201600000,
  CreateRevocationTable1764288000000,
} from './migrations/index.js';
export { TypeOrmSessionStore } from './stores/typeorm-session.store.js';

export { JwtTokenService, ACCESS_TOKEN_TYPE } from './jwt/jwt-token.service.js';
export type {
  JwtAlgorithm,
  JwtKeyMaterial,
  JwtKeyOptions,
  JwtStrategyOptions,
} from './jwt/jwt-options.interface.js';
export type { ResolvedJwtOptions } from './jwt/resolve-jwt-options.js';
export type { PublicJwk } from './jwt/jwt-keys.js';
export type { AccessTokenClaims } from './jwt/jwt-claims.js';
export { parseRevocationNotice, type RevocationNotice } from './jwt/revocation-notice.js';
export { RevocationList, type RevocationClaims } from './jwt/revocation-list.js';
export type { Revocation } from './tokens/token.service.js';
export {
  RequireFreshSession,
  REQUIRE_FRESH_SESSION,
} from './decorators/require-fresh-session.decorator.js';
