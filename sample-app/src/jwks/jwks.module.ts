import { Module } from '@nestjs/common';
import { JwksController } from './jwks.controller.js';

/** `/.well-known/jwks.json`. */
@Module({ controllers: [JwksController] })
export class JwksModule {}
