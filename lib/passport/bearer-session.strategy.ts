import type { Request } from 'express';
import { Strategy, type StrategyCreated } from 'passport';
import { InvalidTokenException } from '../exceptions/invalid-token.exception.js';
import { parseBearer } from '../guards/bearer.js';

/** Verify callback of {@link BearerSessionStrategy}: gets the request and the token. */
export type BearerSessionVerify = (
  request: unknown,
  token: string,
  done: (error: unknown, user?: unknown) => void,
) => void;

/**
 * A plain Passport strategy for `Authorization: Bearer` session tokens, parsed exactly as
 * `AuthGuard` parses them. Every failure is reported through `error()` with an
 * {@link InvalidTokenException}, so `@nestjs/passport`'s guard answers the same 401 body as
 * the library's own guard, and `WWW-Authenticate` is set on Express responses.
 */
export class BearerSessionStrategy extends Strategy {
  /** Passport's name for the strategy. */
  override name = 'nest-sessions';

  /** @param verifyToken called with the request and a well-formed token. */
  constructor(readonly verifyToken: BearerSessionVerify) {
    super();
  }

  /** @inheritdoc */
  override authenticate(this: StrategyCreated<this>, request: Request): void {
    const credential = parseBearer(request.headers.authorization);
    if (credential.kind !== 'token') {
      this.rejectRequest(request, credential.kind === 'malformed');
      return;
    }
    this.verifyToken(request, credential.token, (error: unknown, user?: unknown) => {
      if (error instanceof InvalidTokenException || (!error && !user)) {
        this.rejectRequest(request, true);
      } else if (error) {
        this.error(error);
      } else {
        this.success(user as Express.User);
      }
    });
  }

  /** Fails the request with the library's 401 and, on Express, `WWW-Authenticate`. */
  rejectRequest(this: StrategyCreated<this>, request: Request, tokenSent: boolean): void {
    // Fastify requests have no `res`; Passport is an Express convention.
    request.res?.setHeader?.(
      'WWW-Authenticate',
      tokenSent ? 'Bearer error="invalid_token"' : 'Bearer',
    );
    this.error(new InvalidTokenException(undefined, { tokenPresented: tokenSent }));
  }
}
