import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { hasCommand } from './processes.js';
import { percentile, Samples } from './stats.js';

/** One load measurement of one route. */
export interface LoadResult {
  /** Successful (2xx) responses per second. */
  readonly rps: number;
  /** Median latency of successful responses, ms. */
  readonly p50: number;
  /** 99th percentile latency of successful responses, ms. */
  readonly p99: number;
  /** Responses that were not 2xx, plus errors and timeouts: a measurement with any is void. */
  readonly failures: number;
}

/** What to load. */
export interface LoadSpec {
  /** Full URL of the route. */
  readonly url: string;
  /** Headers sent with every request (the credential). */
  readonly headers: Record<string, string>;
  /** Seconds. */
  readonly duration: number;
  /** Concurrent keep-alive connections. */
  readonly connections: number;
}

/** Which load generator drives the runs: wrk when installed, else autocannon. */
export type LoadGenerator = 'wrk' | 'autocannon';

/** wrk if it is installed, else autocannon. */
export function pickLoadGenerator(): LoadGenerator {
  return hasCommand('wrk') ? 'wrk' : 'autocannon';
}

/** Runs one measurement with the given generator. */
export function runLoad(generator: LoadGenerator, spec: LoadSpec): Promise<LoadResult> {
  return generator === 'wrk' ? runWrk(spec) : runAutocannon(spec);
}

/**
 * autocannon in this process (pinned to the load CPU). Latencies are taken from its
 * per-response event (float milliseconds) rather than its integer-millisecond histogram.
 */
function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies = new Samples();
    let failures = 0;
    const started = process.hrtime.bigint();
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.duration,
        headers: spec.headers,
        pipelining: 1,
        timeout: 10,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const sorted = latencies.sorted();
        resolve({
          rps: latencies.length / seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          failures: failures + result.errors + result.timeouts,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
      else failures++;
    });
  });
}

/** Converts a wrk duration (`812.00us`, `1.23ms`, `1.01s`) to milliseconds. */
function wrkMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  return n;
}

/** wrk, one thread, started pinned like this process; its summary parsed. */
function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const args = [
    '-t1',
    `-c${spec.connections}`,
    `-d${spec.duration}s`,
    '--latency',
    ...Object.entries(spec.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    spec.url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const p50 = /^\s*50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
      const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
      if (code !== 0 || !rps || !p50 || !p99) {
        reject(new Error(`wrk failed (${code}): ${out.slice(0, 500)}`));
        return;
      }
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
        out,
      );
      const failures =
        Number(non2xx?.[1] ?? 0) +
        (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      const total = Number(rps[1]);
      // wrk counts non-2xx in Requests/sec; a run with failures is void anyway.
      resolve({
        rps: total,
        p50: wrkMs(p50[1], p50[2]),
        p99: wrkMs(p99[1], p99[2]),
        failures,
      });
    });
  });
}
