import { ValidationPipe } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ChirpExceptionFilter } from './common/chirp-exception.filter.js';
import { rejectPrototypeKeys } from './common/forbidden-json-key.error.js';
import { CHIRP_CONFIG } from './config/chirp-config.module.js';
import type { ChirpConfig } from './config/chirp-config.js';

/** Largest request body accepted. Chirp's biggest legitimate body is well under 1 KiB. */
export const BODY_LIMIT = '16kb';

/**
 * Applies what every Chirp instance needs, in `main.ts` and in tests alike: body size
 * limits, strict validation (unknown fields are a 400, `__proto__` and co. too), JSON
 * error bodies everywhere (body-parser errors included), no `X-Powered-By`, graceful
 * shutdown.
 *
 * @example
 * const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config));
 * configureChirpApp(app);
 */
export function configureChirpApp(app: NestExpressApplication): NestExpressApplication {
  // Registered before Nest's defaults, which then see them and stand aside.
  app.useBodyParser('json', { limit: BODY_LIMIT, reviver: rejectPrototypeKeys });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.useGlobalFilters(new ChirpExceptionFilter(app.get(HttpAdapterHost)));
  app.disable('x-powered-by');
  // The client address (throttling, session lists, logs) is the socket's peer unless a
  // proxy is trusted: a spoofed X-Forwarded-For is otherwise ignored.
  app.set('trust proxy', app.get<ChirpConfig>(CHIRP_CONFIG).trustProxy);
  app.enableShutdownHooks();
  return app;
}
