import type { IssuedTokens } from 'nest-sessions';

/** What `POST /auth/login` and `POST /auth/refresh` answer. */
export interface TokenPair {
  /** Send as `Authorization: Bearer <accessToken>`. */
  readonly accessToken: string;
  /** Spend at `POST /auth/refresh` for a new pair. */
  readonly refreshToken: string;
  /** Always `'Bearer'`. */
  readonly tokenType: 'Bearer';
  /** Seconds the access token lives if unused (reference tokens: the idle timeout). */
  readonly expiresIn: number;
}

/** The client's view of issued tokens: the pair and its lifetime, no internal ids. */
export function toTokenPair(tokens: IssuedTokens): TokenPair {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
  };
}
