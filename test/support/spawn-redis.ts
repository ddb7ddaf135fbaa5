import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A `redis-server` this test owns, on a free port of 127.0.0.1, that it can stop and restart. */
export interface SpawnedRedis {
  /** Its port. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Starts the server (again) on the same port; resolves once it answers `PING`. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM, no save) and waits for the process to exit. */
  stop(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
  /** Writes a snapshot (`SAVE`) that the next {@link start} loads. */
  save(): Promise<void>;
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and resolves the first line of the answer ('' on failure). */
function ask(port: number, command: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (line: string) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => done(''));
    socket.once('error', () => done(''));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      const end = answer.indexOf('\r\n');
      if (end >= 0) done(answer.slice(0, end));
    });
  });
}

/**
 * Spawns `redis-server --port N --save '' --appendonly no` on a free port, in its own
 * temporary directory (where {@link SpawnedRedis.save} writes the snapshot a restart loads).
 *
 * @example
 * const redis = await spawnRedis();
 * await redis.stop();
 * await redis.start();
 * await redis.dispose();
 */
export async function spawnRedis(): Promise<SpawnedRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ns-redis-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const stop = async (): Promise<void> => {
    const running = child;
    if (running === null) return;
    child = null;
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    await exited;
  };

  const redis: SpawnedRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child !== null) return;
      const server = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--dbfilename',
          'dump.rdb',
        ],
        { stdio: 'ignore' },
      );
      child = server;
      exited = new Promise((resolve) => server.once('exit', () => resolve()));
      for (let attempt = 0; attempt < 200; attempt++) {
        if ((await ask(port, 'PING')) === '+PONG') return;
        await sleep(25);
      }
      await stop();
      throw new Error(`redis-server did not answer on port ${port}`);
    },
    stop,
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async save() {
      const answer = await ask(port, 'SAVE', 5_000);
      if (answer !== '+OK') throw new Error(`SAVE answered ${JSON.stringify(answer)}`);
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}
