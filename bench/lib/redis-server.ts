import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand, startProcess, type ManagedProcess } from './processes.js';
import { freePort } from './ports.js';

/**
 * The benchmark's own `redis-server`, never a shared one: no persistence (`--save ''`,
 * `--appendonly no`), so a restart loses every key, as the article's table assumes.
 */
export class BenchRedis {
  private process: ManagedProcess | null = null;

  private constructor(
    /** Its port on 127.0.0.1. */
    readonly port: number,
    private readonly dir: string,
    private readonly cpu: number | null,
  ) {}

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts one on a free port, or returns `null` (with the reason) if `redis-server` is missing or fails. */
  static async start(
    workDir: string,
    cpu: number | null,
  ): Promise<{ redis: BenchRedis | null; reason: string }> {
    if (!hasCommand('redis-server')) return { redis: null, reason: 'redis-server not installed' };
    const dir = join(workDir, 'redis');
    mkdirSync(dir, { recursive: true });
    const redis = new BenchRedis(await freePort(), dir, cpu);
    try {
      await redis.launch();
      return { redis, reason: '' };
    } catch (error) {
      await redis.stop();
      return { redis: null, reason: (error as Error).message.split('\n')[0] };
    }
  }

  /** Kills it (no save: every key is lost) and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.process?.kill();
    await this.launch();
  }

  /** Stops it. */
  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = null;
  }

  private async launch(): Promise<void> {
    this.process = startProcess({
      name: 'redis-server',
      command: 'redis-server',
      args: [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--maxmemory-policy',
        'noeviction',
        '--protected-mode',
        'no',
      ],
      cpu: this.cpu,
    });
    await this.process.waitFor(/Ready to accept connections/, 10_000);
  }
}
