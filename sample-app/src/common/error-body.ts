import { STATUS_CODES } from 'node:http';

/** The JSON body of every error Chirp answers. */
export interface ErrorBody {
  /** The HTTP status code, repeated. */
  readonly statusCode: number;
  /** The status code's reason phrase, e.g. `'Bad Request'`. */
  readonly error: string;
  /** What went wrong, for a human; validation errors name the field at fault. */
  readonly message: string;
}

/**
 * Builds an {@link ErrorBody}. `message` may be a list (validation errors), joined with
 * `'; '`; a missing or empty message becomes the reason phrase.
 *
 * @example
 * errorBody(404) // { statusCode: 404, error: 'Not Found', message: 'Not Found' }
 */
export function errorBody(statusCode: number, message?: unknown): ErrorBody {
  const error = STATUS_CODES[statusCode] ?? 'Error';
  const parts = (Array.isArray(message) ? message : [message]).filter(
    (part): part is string => typeof part === 'string' && part.length > 0,
  );
  return { statusCode, error, message: parts.length > 0 ? parts.join('; ') : error };
}
