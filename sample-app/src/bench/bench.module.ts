import { Module } from '@nestjs/common';
import { BenchController } from './bench.controller.js';

/**
 * `GET /bench/guarded` and `GET /bench/public`, the routes `npm run bench` drives. Not part of
 * Chirp's contract: only the benchmark's entry point (`bench/chirp-bench-main.ts`) imports it,
 * beside `AppModule`.
 *
 * @example
 * imports: [AppModule.forRoot(config), BenchModule]
 */
@Module({ controllers: [BenchController] })
export class BenchModule {}
