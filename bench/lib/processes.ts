import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus as cpuList } from 'node:os';

/** Which CPU each party of the benchmark runs on (`null`: not pinned). */
export interface CpuPlan {
  /** The load generator (this process). */
  readonly load: number | null;
  /** The servers under test. */
  readonly server: number | null;
  /** The benchmark's own redis-server. */
  readonly redis: number | null;
  /** One line for the report. */
  readonly note: string;
}

/** Whether `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Pins the load generator to CPU 0 and the servers to CPU 1 when `taskset` exists and there
 * are two CPUs or more; the benchmark's Redis gets CPU 2 if there is one, else shares CPU 0
 * with the load generator (so that it does not take CPU from the server under test, as a
 * Redis on another machine would not).
 */
export function planCpus(): CpuPlan {
  const cpus = cpuList().length;
  if (!hasCommand('taskset') || cpus < 2) {
    return {
      load: null,
      server: null,
      redis: null,
      note: `not pinned (${cpus} CPU${cpus === 1 ? '' : 's'}${hasCommand('taskset') ? '' : ', no taskset'})`,
    };
  }
  const redis = cpus >= 3 ? 2 : 0;
  return {
    load: 0,
    server: 1,
    redis,
    note: `load generator on CPU 0, servers on CPU 1, redis-server on CPU ${redis} (of ${cpus})`,
  };
}

/** Pins every thread of this process to `cpu` (threads started later inherit it). */
export function pinSelf(cpu: number | null): void {
  pinProcess(process.pid, cpu);
}

/** Pins every thread of process `pid` to `cpu` (threads started later inherit it). */
export function pinProcess(pid: number | undefined, cpu: number | null): void {
  if (cpu === null || pid === undefined) return;
  spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

let tasksetKnown: boolean | undefined;

/** `0-N` naming every CPU for `taskset -c`, or `null` without `taskset` (nothing is pinned then). */
function everyCpu(): string | null {
  tasksetKnown ??= hasCommand('taskset');
  return tasksetKnown ? `0-${cpuList().length - 1}` : null;
}

/** How to start a process. */
export interface SpawnOptions {
  /** Name for messages. */
  readonly name: string;
  /** Executable. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** CPU to pin it to (`null`: every CPU, whatever this process is pinned to). */
  readonly cpu: number | null;
  /** Environment (replaces this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory. */
  readonly cwd?: string;
}

const live = new Set<ManagedProcess>();

/** A child process the benchmark started and must stop, whatever happens. */
export class ManagedProcess {
  /** The child. */
  readonly child: ChildProcess;
  /** Resolves with the exit code (or `null` after a signal) once the child has exited. */
  readonly exited: Promise<number | null>;
  private readonly tail: string[] = [];
  private readonly watchers = new Set<(line: string) => void>();
  private done = false;

  constructor(readonly options: SpawnOptions) {
    // A child inherits this process's pinning (the load generator's CPU), so "not pinned"
    // has to be asked for: every CPU. Without it, four instances starting at once shared one
    // CPU and each took ~10 s instead of ~2.5 s.
    const cpus = options.cpu === null ? everyCpu() : String(options.cpu);
    const [command, args] =
      cpus === null
        ? [options.command, [...options.args]]
        : ['taskset', ['-c', cpus, options.command, ...options.args]];
    this.child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.done = true;
        live.delete(this);
        resolve(code);
      });
      this.child.once('error', (error) => {
        this.record(`spawn failed: ${error.message}`);
        this.done = true;
        live.delete(this);
        resolve(-1);
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.record(line);
      });
    }
  }

  /** Whether the child is still running. */
  get running(): boolean {
    return !this.done;
  }

  /** The last lines the child printed (stdout and stderr), for error messages. */
  lastLines(count = 8): string {
    return this.tail.slice(-count).join('\n');
  }

  /**
   * Waits for a line matching `pattern`. Rejects if the child exits first or after `timeoutMs`.
   */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null, match?: RegExpMatchArray) => {
        clearTimeout(timer);
        this.watchers.delete(watch);
        if (error) reject(error);
        else resolve(match!);
      };
      const watch = (line: string) => {
        const match = pattern.exec(line);
        if (match) finish(null, match);
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(
              `${this.options.name}: not ready within ${timeoutMs} ms\n${this.lastLines()}`,
            ),
          ),
        timeoutMs,
      );
      this.watchers.add(watch);
      for (const line of this.tail) watch(line);
      void this.exited.then((code) =>
        finish(new Error(`${this.options.name} exited (${code})\n${this.lastLines()}`)),
      );
    });
  }

  /** Stops the child: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the child at once (SIGKILL): a crash, as far as it can tell. */
  async kill(): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private record(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 200) this.tail.shift();
    for (const watch of [...this.watchers]) watch(line);
  }
}

/** Starts a managed child process. */
export function startProcess(options: SpawnOptions): ManagedProcess {
  return new ManagedProcess(options);
}

/** Stops every child still running (SIGTERM, then SIGKILL). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** Kills every child still running, synchronously (for `process.on('exit')`). */
export function killAllSync(): void {
  for (const p of live) {
    try {
      p.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
