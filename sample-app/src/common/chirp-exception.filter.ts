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

/** Nest's message for a request no route matches: `Cannot <METHOD> <url>`. */
const UNKNOWN_ROUTE = /^Cannot [A-Z]+ \//;

/** Whether `error` is a client error (4xx, safe to expose) of the body parser. */
function isBodyParserClientError(
  error: unknown,
): error is BodyParserError & { readonly type: string; readonly status: number } {
  const parserError = error as BodyParserError | null;
  return (
    typeof parserError?.type === 'string' &&
    typeof parserError.status === 'number' &&
    parserError.status >= 400 &&
    parserError.status < 500 &&
    parserError.expose === true
  );
}

/** The `type` of a body-parser client error we have a message for, else `null`. */
function bodyParserType(error: unknown): string | null {
  return isBodyParserClientError(error) && error.type in BODY_PARSER_MESSAGES ? error.type : null;
}

/** A client error of Fastify itself (`FST_ERR_CTP_BODY_TOO_LARGE`, …), before Nest runs. */
interface FastifyClientError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
}

/** Public messages of Fastify's client errors (their own may quote the input). */
const FASTIFY_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported media type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Request body size does not match Content-Length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Malformed JSON in request body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Malformed JSON in request body',
};

/** The `code` of a Fastify client error (`FST_…`, status 4xx), else `null`. */
function fastifyClientCode(error: unknown): string | null {
  const fastifyError = error as FastifyClientError | null;
  return typeof fastifyError?.code === 'string' &&
    fastifyError.code.startsWith('FST_') &&
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
    ? fastifyError.code
    : null;
}

/**
 * Maps any error to its JSON error body.
 *
 * - `HttpException`s keep their status and public message; the body is always exactly
 *   `{ statusCode, error, message }` (Nest's own `new NotFoundException()` lacks `error`).
 *   Those Nest's adapters make of body-parser and Fastify errors get the fixed messages
 *   below instead of the parser's own (`Unexpected token … is not valid JSON` quotes the body).
 * - The body parser's client errors (malformed JSON, too large), Express's or Fastify's,
 *   keep their 4xx status with a fixed message.
 * - Anything else is a 500 with a generic message; the error is logged, never sent.
 */
export function toErrorBody(exception: unknown, logger?: Logger): ErrorBody {
  const cause: unknown = exception instanceof HttpException ? exception.cause : undefined;
  if (
    cause instanceof ForbiddenJsonKeyError ||
    bodyParserType(cause) !== null ||
    fastifyClientCode(cause) !== null
  ) {
    return toErrorBody(cause, logger);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : ((response as { message?: unknown } | null)?.message ?? exception.message);
    // Nest's "Cannot GET /path" would echo the URL, tokens and all (GET /me;jsessionid=…).
    if (typeof message === 'string' && UNKNOWN_ROUTE.test(message)) return errorBody(status);
    return errorBody(status, message);
  }
  if (exception instanceof ForbiddenJsonKeyError) {
    return errorBody(HttpStatus.BAD_REQUEST, exception.message);
  }
  if (isBodyParserClientError(exception)) {
    return errorBody(exception.status, BODY_PARSER_MESSAGES[exception.type]);
  }
  const fastifyCode = fastifyClientCode(exception);
  if (fastifyCode !== null) {
    return errorBody(
      (exception as { statusCode: number }).statusCode,
      FASTIFY_MESSAGES[fastifyCode],
    );
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
