import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { toErrorBody } from './common/chirp-exception.filter.js';
import type { ChirpConfig } from './config/chirp-config.js';

/** Largest request body accepted, in bytes. Chirp's biggest legitimate body is well under 1 KiB. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * The HTTP platform `HTTP_ADAPTER` names: Express (the default) or Fastify. Fastify takes
 * the body limit and the trusted proxies (`TRUST_PROXY`) at construction (Express gets
 * them in `configureChirpApp`), and answers its router's own errors (a malformed URL,
 * a route parameter over 100 characters) with Chirp's error body too.
 *
 * @example
 * const app = await NestFactory.create(AppModule.forRoot(config), createChirpHttpAdapter(config));
 */
export function createChirpHttpAdapter(config: ChirpConfig): AbstractHttpAdapter {
  if (config.httpAdapter === 'fastify') {
    return new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      trustProxy: config.trustProxy,
      frameworkErrors: (error: Error, _request: unknown, reply: FastifyReply) => {
        const body = toErrorBody(error);
        void reply.status(body.statusCode).send(body);
      },
    });
  }
  return new ExpressAdapter();
}

/**
 * The address to listen on when none is given: every interface, as Express does by
 * default (Fastify alone would listen on `localhost` only).
 */
export function defaultListenHost(config: ChirpConfig): string | undefined {
  return config.httpAdapter === 'fastify' ? '0.0.0.0' : undefined;
}
