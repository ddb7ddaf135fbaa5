import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect } from './services.js';

/** Whether `redis-server` and `redis-cli` can be run here. */
export function redisServerInstalled(): boolean {
  const ok = (command: string) =>
    spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
  return ok('redis-server') && ok('redis-cli');
}

/**
 * Whether a suite that runs its own `redis-server` can run here: `true` if it is installed;
 * otherwise throws when `CI=true` (such suites are mandatory in CI) and else prints one line
 * saying what is skipped and returns `false`.
 *
 * @example
 * (redisServerSuite('Redis fault suite') ? describe : describe.skip)('…', () => { … });
 */
export function redisServerSuite(name: string): boolean {
  if (redisServerInstalled()) return true;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but redis-server is not installed: the ${name} is mandatory in CI`);
  }
  process.stdout.write(
    `\n[skip] ${name}: redis-server is not installed (mandatory when CI=true)\n`,
  );
  return false;
}

/** Every child still running, killed when the test process exits whatever happened. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free TCP port whose cluster bus port (port + 10000) is free too. Random in 20000–45000,
 * so parallel suites rarely collide, and checked.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) return port;
  }
  throw new Error('no free port pair found');
}

/** Polls `check` every 50 ms until it holds, for at most `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const reachable = (port: number) =>
  canConnect({ flag: '', name: '', host: '127.0.0.1', port }, 200);

/**
 * A `redis-server` of the test's own, on a free port, in a temporary directory. It saves
 * its data on `stop()` (SIGTERM with a save point), so a restart finds the sessions again.
 */
export class RedisServerProcess {
  private child: ChildProcess | null = null;

  private constructor(
    /** The TCP port. */
    readonly port: number,
    private readonly dir: string,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts a server on a free port and waits until it accepts connections. */
  static async start(extraArgs: readonly string[] = []): Promise<RedisServerProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'ns-redis-'));
    const server = new RedisServerProcess(await freePort(), dir, extraArgs);
    await server.resume();
    return server;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the process on the same port and directory and waits until it answers. */
  async resume(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '3600 1',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.child = child;
    await waitFor(`redis-server on ${this.port}`, () => reachable(this.port));
  }

  /**
   * Freezes the process (SIGSTOP): connections stay open but nothing answers, like a
   * server stuck or a network black hole. {@link thaw} resumes it.
   */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Resumes a frozen process (SIGCONT). */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops the process (SIGTERM: it saves first) and waits until the port is closed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill('SIGCONT');
    if (child.exitCode === null) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        // Saving takes milliseconds here; a server that hangs anyway is killed.
        timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.kill('SIGTERM');
      });
      clearTimeout(timer);
    }
    await waitFor(`port ${this.port} to close`, async () => !(await reachable(this.port)));
  }

  /** Stops the process and removes its directory. Safe to call twice or after a failure. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => this.child?.kill('SIGKILL'));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function redisCli(args: readonly string[]): string {
  const result = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A local Redis Cluster of masters only, each its own `redis-server` on a free port. */
export class RedisClusterProcess {
  private constructor(
    /** The nodes. */
    readonly nodes: readonly RedisServerProcess[],
  ) {}

  /**
   * Starts `masters` servers with `--cluster-enabled yes`, joins them with
   * `redis-cli --cluster create … --cluster-replicas 0` and waits for `cluster_state:ok`.
   * On failure it stops whatever it started before rethrowing.
   */
  static async start(masters = 3): Promise<RedisClusterProcess> {
    const nodes: RedisServerProcess[] = [];
    try {
      for (let i = 0; i < masters; i++) {
        nodes.push(
          await RedisServerProcess.start([
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
            '--save',
            '',
          ]),
        );
      }
      redisCli([
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      for (const node of nodes) {
        await waitFor(`cluster_state:ok on ${node.port}`, () =>
          Promise.resolve(
            redisCli(['-p', String(node.port), 'cluster', 'info']).includes('cluster_state:ok'),
          ),
        );
      }
      return new RedisClusterProcess(nodes);
    } catch (error) {
      await Promise.all(nodes.map((n) => n.destroy()));
      throw error;
    }
  }

  /** `redis://127.0.0.1:<port>` of every node. */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** Stops every node and removes their directories. */
  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
  }
}
