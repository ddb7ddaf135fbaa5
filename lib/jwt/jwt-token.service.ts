import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { SessionEvents } from '../events/session-events.js';
import { SESSION_OPTIONS, type ResolvedSessionOptions } from '../session-options.resolver.js';
import { StoreGateway } from '../sessions/store-gateway.js';
import type { SessionRecord } from '../stores/session-record.js';
import type { RevocationWatch } from '../stores/session.store.js';
import { generateSessionId } from '../tokens/opaque-token.js';
import {
  StoreBackedTokenService,
  type MintedAccessToken,
} from '../tokens/store-backed-token.service.js';
import type { Revocation } from '../tokens/token.service.js';
import type { ClientInfo, IssuedTokens, Principal, SessionSubject } from '../tokens/token.types.js';
import { readJwsHeader } from './compact-jws.js';
import { checkAccessClaims, type AccessTokenClaims } from './jwt-claims.js';
import { toJwks, type PublicJwk, type ResolvedJwtKey } from './jwt-keys.js';
import { JweCodec } from './jwe-codec.js';
import type { ResolvedJwtOptions } from './resolve-jwt-options.js';
import { RevocationList } from './revocation-list.js';
import type { RevocationNotice } from './revocation-notice.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** The `typ` header of access tokens (RFC 9068), distinct from any other JWT an app issues. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

interface KeyedVerifier {
  readonly key: ResolvedJwtKey;
  readonly jwt: JwtService;
}

/**
 * Value tokens: the access token is a JWT signed with `@nestjs/jwt`, holding `sub`, `sid`,
 * `jti`, `iat`, `exp`, the session epoch `ep`, the permissions (unless
 * `embedPermissions: false`) and `iss`/`aud` when configured. Verifying it reads no store.
 * Refresh tokens stay opaque and server-side (rotation, reuse detection), as with reference tokens.
 *
 * Verification order, cheapest first: length and shape (3 base64url segments, a header of
 * exactly `alg`/`typ`/`kid`), `typ` = `at+jwt`, key by exact `kid`, the key's one pinned
 * algorithm, signature and `exp`/`iat` (jsonwebtoken with a pre-imported `KeyObject`),
 * strict claim checks, then the in-process revocation list. Logout, "log out everywhere"
 * and refresh-token reuse on this instance hold at once; on other instances within
 * `revocationPollInterval` (they read revocations from the store).
 */
@Injectable()
export class JwtTokenService
  extends StoreBackedTokenService
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  /** @inheritdoc */
  readonly strategy = 'value' as const;

  /** Revocations this instance knows about (checked at every verification). */
  readonly revocations = new RevocationList();

  private readonly logger = new Logger(JwtTokenService.name);
  private readonly jwtOptions: ResolvedJwtOptions;
  private readonly verifiers = new Map<string, KeyedVerifier>();
  private readonly jwe: JweCodec | null;
  private readonly verified: VerifiedTokenCache;
  private pollTimer: NodeJS.Timeout | null = null;
  private polledUpTo = 0;
  private pollFailing = false;
  private watch: RevocationWatch | null = null;

  constructor(
    @Inject(SESSION_OPTIONS) options: ResolvedSessionOptions,
    gateway: StoreGateway,
    events: SessionEvents,
  ) {
    super(options, gateway, events);
    if (!options.jwt) throw new Error('nest-sessions: JwtTokenService needs jwt options');
    this.jwtOptions = options.jwt;
    for (const key of this.jwtOptions.keys.values()) {
      // One JwtService per key, built once around KeyObjects: jsonwebtoken never re-imports a key.
      const jwt = key.algorithm.startsWith('HS')
        ? new JwtService({ secret: key.verifyKey })
        : new JwtService({ publicKey: key.verifyKey, privateKey: key.signKey ?? undefined });
      this.verifiers.set(key.kid, { key, jwt });
    }
    this.jwe = this.jwtOptions.encryptionKey ? new JweCodec(this.jwtOptions.encryptionKey) : null;
    this.verified = new VerifiedTokenCache(this.jwtOptions.verifiedTokenCacheSize);
  }

  /**
   * Loads recent revocations, starts polling for other instances' ones and, where the store
   * pushes them ({@link SessionStore.watchRevocations}: the Redis and tiered stores), applies
   * them as they come.
   */
  async onApplicationBootstrap(): Promise<void> {
    // The watch first: a notice published while the first read is under way is then pushed
    // (applying one twice is harmless) rather than left to the next poll.
    try {
      this.watch = this.gateway.store.watchRevocations(
        (notice) => {
          this.revocations.apply(notice);
        },
        // (Re)subscribed: read what was published while the subscription was down.
        () => void this.syncRevocations().catch(() => 0),
      );
    } catch (error) {
      this.logger.warn(`Revocations are not pushed (${(error as Error).message}); polling only`);
    }
    this.polledUpTo = this.options.clock.now() - this.maxTokenLifetime();
    await this.syncRevocations().catch(() => 0);
    const interval = this.jwtOptions.revocationPollInterval;
    if (interval > 0) {
      this.pollTimer = setInterval(() => void this.syncRevocations().catch(() => 0), interval);
      this.pollTimer.unref();
    }
  }

  /** Stops polling and the revocation watch. */
  async onApplicationShutdown(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const watch = this.watch;
    this.watch = null;
    await watch?.close();
  }

  /**
   * @inheritdoc
   * Checks before the session is created that this instance can sign and that the token
   * fits `maxTokenLength`, so a failure leaves no session behind.
   */
  override async issue(subject: SessionSubject, client?: ClientInfo): Promise<IssuedTokens> {
    if (!this.jwtOptions.signingKey) {
      throw new Error(
        'nest-sessions: this instance has only public keys (jwt.keys): it verifies tokens but cannot issue them',
      );
    }
    if (Array.isArray(subject?.permissions) && typeof subject.userId === 'string') {
      const now = this.options.clock.now();
      await this.mintAccessToken(
        {
          id: generateSessionId(),
          userId: subject.userId,
          expiresAt: now + this.options.absoluteTimeout,
          epoch: Number.MAX_SAFE_INTEGER,
        },
        subject.permissions,
        now,
      );
    }
    return super.issue(subject, client);
  }

  /** @inheritdoc */
  async verify(accessToken: string): Promise<Principal | null> {
    const claims = await this.verifyClaims(accessToken);
    if (!claims) return null;
    if (!this.jwtOptions.embedPermissions || this.revocations.needsStoreCheck(claims)) {
      return this.verifyFresh(this.principalOf(claims));
    }
    return this.principalOf(claims);
  }

  /**
   * Confirms a principal against the store: the session is live and belongs to the user;
   * the permissions become the current ones. For `@RequireFreshSession()` routes.
   */
  override async verifyFresh(principal: Principal): Promise<Principal | null> {
    const found = await this.gateway.run((store) => store.findById(principal.sessionId));
    const now = this.options.clock.now();
    if (
      !found ||
      found.session.userId !== principal.userId ||
      found.session.expiresAt <= now ||
      found.session.epoch < found.subject.epoch
    ) {
      return null;
    }
    return { ...principal, permissions: new Set(found.subject.permissions) };
  }

  /** @inheritdoc */
  override async revoked(revocation: Revocation): Promise<void> {
    const now = this.options.clock.now();
    const notice = {
      ...revocation,
      id: generateSessionId(),
      at: now,
      expiresAt: now + this.maxTokenLifetime(),
    } as RevocationNotice;
    this.revocations.apply(notice);
    await this.gateway.run((store) => store.publishRevocation(notice));
  }

  /**
   * Reads revocations published since the last poll (by any instance) and applies them.
   * Runs every `revocationPollInterval`; call it directly in tests instead of waiting.
   * @returns how many notices were new to this instance.
   */
  async syncRevocations(): Promise<number> {
    const now = this.options.clock.now();
    // Re-read a window behind the last poll: notices committed late are not missed.
    // The window is a whole token lifetime, not a few seconds: a notice stamped by an
    // instance whose clock is behind, or committed late, is still read while it matters.
    const since =
      this.polledUpTo -
      Math.max(this.maxTokenLifetime(), 5 * this.jwtOptions.revocationPollInterval);
    try {
      const notices = await this.gateway.run((store) => store.readRevocations(since));
      let fresh = 0;
      for (const notice of notices) if (this.revocations.apply(notice)) fresh++;
      this.revocations.prune(now);
      this.polledUpTo = now;
      this.pollFailing = false;
      return fresh;
    } catch (error) {
      if (!this.pollFailing) this.logger.warn('Cannot read revocations from the store; retrying');
      this.pollFailing = true;
      throw error;
    }
  }

  /** The public keys, as a JSON Web Key Set (`/.well-known/jwks.json`). HMAC secrets never appear. */
  override jwks(): { keys: PublicJwk[] } {
    return toJwks([...this.jwtOptions.keys.values()]);
  }

  protected readonly storesAccessHash = false;

  protected async mintAccessToken(
    session: Pick<SessionRecord, 'id' | 'userId' | 'expiresAt' | 'epoch'>,
    permissions: readonly string[],
    now: number,
  ): Promise<MintedAccessToken> {
    const signer = this.jwtOptions.signingKey;
    if (!signer)
      throw new Error('nest-sessions: no jwt key with a private key/secret to sign with');
    const iat = Math.floor(now / 1000);
    const exp = Math.floor(
      Math.min(now + this.jwtOptions.accessTokenTtl, session.expiresAt) / 1000,
    );
    const claims: Record<string, unknown> = {
      sub: session.userId,
      sid: session.id,
      jti: randomBytes(12).toString('base64url'),
      iat,
      exp: Math.max(exp, iat + 1),
      ep: session.epoch,
    };
    if (this.jwtOptions.embedPermissions) claims.permissions = [...permissions];
    if (this.jwtOptions.issuer !== undefined) claims.iss = this.jwtOptions.issuer;
    if (this.jwtOptions.audience !== undefined) claims.aud = this.jwtOptions.audience;
    const signed = this.verifiers.get(signer.kid)!.jwt.sign(claims, {
      algorithm: signer.algorithm,
      keyid: signer.kid,
      header: { alg: signer.algorithm, typ: ACCESS_TOKEN_TYPE },
    });
    const token = this.jwe ? await this.jwe.encrypt(signed) : signed;
    if (token.length > this.jwtOptions.maxTokenLength) {
      throw new Error(
        `nest-sessions: an access token of ${token.length} characters would exceed ` +
          `jwt.maxTokenLength (${this.jwtOptions.maxTokenLength}) and be refused. Fix: embed fewer ` +
          'permissions (embedPermissions: false) or raise jwt.maxTokenLength',
      );
    }
    return { token, hash: null };
  }

  protected accessTokenSeconds(): number {
    return Math.floor(this.jwtOptions.accessTokenTtl / 1000);
  }

  private async verifyClaims(token: string): Promise<AccessTokenClaims | null> {
    const opts = this.jwtOptions;
    if (typeof token !== 'string' || token.length > opts.maxTokenLength) return null;
    const now = this.options.clock.now();
    const nowSeconds = Math.floor(now / 1000);
    const leewaySeconds = Math.floor(opts.leeway / 1000);
    // Verified before (same text, so same signature and claims): only expiry and revocation
    // can have changed, and both are checked again.
    const known = this.verified.get(token, nowSeconds, leewaySeconds);
    if (known) return this.revocations.isRevoked(known) ? null : known;
    let jws = token;
    if (this.jwe) {
      const inner = await this.jwe.decrypt(token);
      if (inner === null) return null;
      jws = inner;
    }
    const header = readJwsHeader(jws, opts.maxTokenLength);
    if (!header || header.typ !== ACCESS_TOKEN_TYPE) return null;
    const verifier = this.verifiers.get(header.kid);
    if (!verifier || header.alg !== verifier.key.algorithm) return null;
    let payload: unknown;
    try {
      payload = verifier.jwt.verify(jws, {
        algorithms: [verifier.key.algorithm],
        clockTimestamp: nowSeconds,
        clockTolerance: leewaySeconds,
        ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
        ...(opts.audience !== undefined ? { audience: opts.audience } : {}),
      });
    } catch {
      return null;
    }
    const claims = checkAccessClaims(payload, {
      embedPermissions: opts.embedPermissions,
      maxLifetimeSeconds: Math.ceil(opts.accessTokenTtl / 1000),
      nowSeconds,
      leewaySeconds,
      issuer: opts.issuer,
      audience: opts.audience,
    });
    if (!claims || this.revocations.isRevoked(claims)) return null;
    this.verified.remember(token, claims);
    return claims;
  }

  private principalOf(claims: AccessTokenClaims): Principal {
    return {
      userId: claims.sub,
      sessionId: claims.sid,
      permissions: new Set(claims.permissions ?? []),
      expiresAt: claims.exp * 1000,
    };
  }

  private maxTokenLifetime(): number {
    return this.jwtOptions.accessTokenTtl + this.jwtOptions.leeway + 1_000;
  }
}
