import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import { loadChirpConfig, type ChirpConfig, type ChirpEnv } from './config/chirp-config.js';
import { redactDatabaseUrl } from './config/database-url.js';
import { configureChirpApp } from './configure-app.js';
import { createChirpHttpAdapter, defaultListenHost } from './http-adapter.js';
import { DemoUsersSeeder } from './seed/demo-users.seeder.js';
import { describeStartupFailure, type StartupPhase } from './startup-failure.js';

/** Where start-up failures go; `main.ts` uses the process's. */
export interface StartupIo {
  /** Writes one line (with its newline) to stderr. */
  writeError(line: string): void;
  /** Ends the process. */
  exit(code: number): void;
}

const processIo: StartupIo = {
  writeError: (line) => process.stderr.write(line),
  exit: (code) => process.exit(code),
};

function announce(app: INestApplication<Server>, config: ChirpConfig): void {
  const logger = new Logger('Chirp');
  const { port } = app.getHttpServer().address() as AddressInfo;
  logger.log(
    `Chirp listening on http://localhost:${port} ` +
      `(tokens: ${config.tokenStrategy}, sessions: ${config.sessionStore}, ` +
      `http: ${config.httpAdapter}, transport: ${config.authTransport}, ` +
      `database: ${redactDatabaseUrl(config.databaseUrl)})`,
  );
  const password = config.demoPasswordFromEnv
    ? 'the value of DEMO_PASSWORD'
    : 'the default demo password (DEMO_PASSWORD is not set)';
  for (const user of app.get(DemoUsersSeeder).results()) {
    logger.log(
      `Demo user ${user.username}${user.created ? ' (created)' : ''}: ` +
        `${user.permissions.join(', ') || 'no permissions'}; password: ${password}`,
    );
  }
}

/**
 * Starts Chirp from environment variables: parses the configuration, creates the app
 * (migrating the database and seeding the demo users), listens on `PORT` and logs how to
 * use it. Nest's own start-up logs are held back until it works; on any failure one
 * line naming the variable at fault goes to stderr and the process exits with 1.
 *
 * @returns the running app, or `null` after a failure.
 * @example
 * await startChirp(process.env);
 */
export async function startChirp(
  env: ChirpEnv,
  io: StartupIo = processIo,
): Promise<INestApplication<Server> | null> {
  let phase: StartupPhase = 'config';
  let config: ChirpConfig | null = null;
  try {
    config = loadChirpConfig(env);
    phase = 'database';
    const app = await NestFactory.create<INestApplication<Server>>(
      AppModule.forRoot(config),
      createChirpHttpAdapter(config),
      { bufferLogs: true, autoFlushLogs: false, abortOnError: false },
    );
    configureChirpApp(app);
    await app.init();
    phase = 'listen';
    const host = defaultListenHost(config);
    await (host === undefined ? app.listen(config.port) : app.listen(config.port, host));
    app.flushLogs();
    announce(app, config);
    return app;
  } catch (error) {
    io.writeError(`${describeStartupFailure(error, phase, config)}\n`);
    io.exit(1);
    return null;
  }
}
