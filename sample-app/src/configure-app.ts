import { BadRequestException, ValidationPipe, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChirpExceptionFilter } from './common/chirp-exception.filter.js';
import { MaxJsonDepthPipe } from './common/max-json-depth.pipe.js';
import { ForbiddenJsonKeyError, rejectPrototypeKeys } from './common/forbidden-json-key.error.js';
import { CHIRP_CONFIG } from './config/chirp-config.module.js';
import type { ChirpConfig } from './config/chirp-config.js';
import { BODY_LIMIT_BYTES } from './http-adapter.js';

type ParserDone = (error: Error | null, body?: unknown) => void;

/**
 * Fastify's JSON bodies parsed as Express's body-parser does (strict: an object or an
 * array; empty is `{}`), with the same refusal of `__proto__`, `constructor` and `prototype`
 * keys, and a fixed message for malformed JSON.
 */
function parseJsonBody(_request: unknown, body: Buffer, done: ParserDone): void {
  if (body.length === 0) return done(null, {});
  const text = body.toString('utf8');
  const first = text.trimStart().charAt(0);
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
    done(null, JSON.parse(text, rejectPrototypeKeys));
  } catch (error) {
    done(
      error instanceof ForbiddenJsonKeyError
        ? error
        : new BadRequestException('Malformed JSON in request body'),
    );
  }
}

/** Other content types are read (within the limit) and ignored, as Express ignores them. */
function ignoreBody(_request: unknown, _body: Buffer, done: ParserDone): void {
  done(null, undefined);
}

function configureExpress(app: NestExpressApplication): void {
  // Registered before Nest's defaults, which then see them and stand aside.
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES, reviver: rejectPrototypeKeys });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: false });
  app.disable('x-powered-by');
  // The client address (throttling, session lists, logs) is the socket's peer unless a
  // proxy is trusted: a spoofed X-Forwarded-For is otherwise ignored.
  app.set('trust proxy', app.get<ChirpConfig>(CHIRP_CONFIG).trustProxy);
}

function configureFastify(app: NestFastifyApplication): void {
  // The body limit and trusted proxies are FastifyAdapter options (createChirpHttpAdapter);
  // Fastify sends no X-Powered-By. Parsers registered here replace Nest's defaults.
  const limit = { bodyLimit: BODY_LIMIT_BYTES };
  app.useBodyParser('application/json', limit, parseJsonBody);
  app.useBodyParser('application/x-www-form-urlencoded', limit);
  app.useBodyParser(['text/plain', '*'], limit, ignoreBody);
}

/**
 * Applies what every Chirp instance needs, in `main.ts` and in tests alike, on Express and
 * Fastify alike: body size limits, strict validation (unknown fields are a 400, `__proto__`
 * and co. too), JSON error bodies everywhere (the platform's own body errors included), no
 * `X-Powered-By`, graceful shutdown.
 *
 * @example
 * const app = await NestFactory.create(AppModule.forRoot(config), createChirpHttpAdapter(config));
 * configureChirpApp(app);
 */
export function configureChirpApp<T extends INestApplication>(app: T): T {
  if (app.getHttpAdapter().getType() === 'fastify') {
    configureFastify(app as unknown as NestFastifyApplication);
  } else {
    configureExpress(app as unknown as NestExpressApplication);
  }
  app.useGlobalPipes(
    new MaxJsonDepthPipe(),
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalFilters(new ChirpExceptionFilter(app.get(HttpAdapterHost)));
  app.enableShutdownHooks();
  return app;
}
