import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { errorBody, type ErrorBody } from './error-body.js';
import { ForbiddenJsonKeyError } from './forbidden-json-key.error.js';

/** An error of the HTTP body parser (`entity.parse.failed`, `entity.too.large`, …). */
interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly expose?: unknown;
}

/** Public messages of the body parser's client errors (their own may quote the input). */
const BODY_PARSER_MESSAGES: Readonly<Record<string, string>> = {
  'entity.parse.failed': 'Malformed JSON in request body',
  'entity.too.large': 'Request body too large',
  'encoding.unsupported': 'Unsupported request body encoding',
  'charset.unsupported': 'Unsupported request body charset',
  'request.aborted': 'Request aborted',
  'request.size.invalid': 'Request body size does not match Content-Length',
  'parameters.too.many': 'Too many parameters in request body',
};

/**
 * Maps any error to its JSON error body.
 *
 * - `HttpException`s keep their status and public message; the body is always exactly
 *   `{ statusCode, error, message }` (Nest's own `new NotFoundException()` lacks `error`).
 * - The body parser's client errors (malformed JSON, too large) keep their 4xx status
 *   with a fixed message.
 * - Anything else is a 500 with a generic message; the error is logged, never sent.
 */
export function toErrorBody(exception: unknown, logger?: Logger): ErrorBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : ((response as { message?: unknown } | null)?.message ?? exception.message);
    return errorBody(status, message);
  }
  if (exception instanceof ForbiddenJsonKeyError) {
    return errorBody(HttpStatus.BAD_REQUEST, exception.message);
  }
  const parserError = exception as BodyParserError | null;
  if (
    typeof parserError?.type === 'string' &&
    typeof parserError.status === 'number' &&
    parserError.status >= 400 &&
    parserError.status < 500 &&
    parserError.expose === true
  ) {
    return errorBody(parserError.status, BODY_PARSER_MESSAGES[parserError.type]);
  }
  logger?.error(
    'Unhandled error',
    exception instanceof Error ? exception.stack : String(exception),
  );
  return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
}

/**
 * Chirp's global exception filter: every error answer is JSON
 * `{ statusCode, error, message }`, with no stack and no internal message.
 * Headers already set (e.g. `WWW-Authenticate` by the guard) are kept.
 */
@Catch()
export class ChirpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Chirp');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** @inheritdoc */
  catch(exception: unknown, host: ArgumentsHost): void {
    const body = toErrorBody(exception, this.logger);
    const { httpAdapter } = this.adapterHost;
    httpAdapter.reply(host.switchToHttp().getResponse(), body, body.statusCode);
  }
}
