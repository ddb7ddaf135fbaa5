// Chirp as `npm run bench` runs it: the app exactly as `start-chirp.ts` builds it
// (AppModule.forRoot from the environment, its HTTP adapter, configureChirpApp), plus
// BenchModule's two routes, with logging off. Prints `BENCH_READY {json}` once listening;
// on SIGUSR2 it closes and exits normally (so that `--cpu-prof` writes its profile).
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../sample-app/src/app.module.js';
import { BenchModule } from '../sample-app/src/bench/bench.module.js';
import { loadChirpConfig } from '../sample-app/src/config/chirp-config.js';
import { configureChirpApp } from '../sample-app/src/configure-app.js';
import { createChirpHttpAdapter } from '../sample-app/src/http-adapter.js';

async function main(): Promise<void> {
  const config = loadChirpConfig(process.env);

  @Module({ imports: [AppModule.forRoot(config), BenchModule] })
  class ChirpBenchModule {}

  const app = await NestFactory.create<INestApplication<Server>>(
    ChirpBenchModule,
    createChirpHttpAdapter(config),
    { logger: false, abortOnError: false },
  );
  configureChirpApp(app);
  await app.listen(config.port, '127.0.0.1');
  process.once('SIGUSR2', () => void app.close().finally(() => process.exit(0)));
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(
    `BENCH_READY ${JSON.stringify({ port, strategy: config.tokenStrategy, store: config.sessionStore })}\n`,
  );
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`BENCH_FAILED ${message.split('\n')[0]}\n`);
  process.exit(1);
});
