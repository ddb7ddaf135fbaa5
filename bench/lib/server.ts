import { join } from 'node:path';
import { pinProcess, startProcess, type ManagedProcess } from './processes.js';
import type { RunContext, Target } from './targets.js';

/** A started instance of a configuration. */
export interface Server {
  /** The process. */
  readonly process: ManagedProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** The ready line's JSON. */
  readonly info: Record<string, unknown>;
}

/** How to start an instance. */
export interface StartOptions {
  /** CPU to pin it to. */
  readonly cpu: number | null;
  /** Extra `node` flags (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** Instance label for messages (`A`, `B`). */
  readonly label?: string;
}

/**
 * Starts an instance of `target`, waits for its `BENCH_READY` line, then pins it. Start-up
 * (module loading, migrations, seeding) runs on every CPU: nothing is measured yet, and
 * several instances starting on the one server CPU made a quick run wait ~25 s.
 */
export async function startServer(
  target: Target,
  ctx: RunContext,
  options: StartOptions,
): Promise<Server> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...target.env(ctx) };
  delete env.NODE_OPTIONS;
  const proc = startProcess({
    name: `${target.name} (${options.label ?? 'A'})`,
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), join(ctx.root, target.script)],
    cpu: null,
    env,
    cwd: ctx.root,
  });
  try {
    const match = await proc.waitFor(/^BENCH_READY (.*)$/, 90_000);
    const info = JSON.parse(match[1]) as Record<string, unknown>;
    pinProcess(proc.child.pid, options.cpu);
    return { process: proc, base: `http://127.0.0.1:${Number(info.port)}`, info };
  } catch (error) {
    await proc.stop();
    const failed = /BENCH_FAILED (.*)/.exec(proc.lastLines(20));
    throw new Error(failed ? failed[1] : (error as Error).message, { cause: error });
  }
}
