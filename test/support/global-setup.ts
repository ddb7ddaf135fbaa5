import { createConnection } from 'node:net';

// Jest loads this file outside its module mapper, so it imports nothing relative.

/** A backing service the tests can use when it is reachable. */
export interface TestService {
  /** Environment variable that globalSetup sets to '1' when the service answered. */
  readonly flag: string;
  /** Human name for skip lines. */
  readonly name: string;
  /** Host to probe. */
  readonly host: string;
  /** Port to probe. */
  readonly port: number;
}

/** The services of this machine and of CI, on 127.0.0.1 at their standard ports. */
export const SERVICES = {
  postgres: { flag: 'NS_TEST_POSTGRES', name: 'PostgreSQL', host: '127.0.0.1', port: 5432 },
  mariadb: { flag: 'NS_TEST_MARIADB', name: 'MariaDB', host: '127.0.0.1', port: 3306 },
  redis: { flag: 'NS_TEST_REDIS', name: 'Redis', host: '127.0.0.1', port: 6379 },
} as const satisfies Record<string, TestService>;

/** Whether a TCP connection to the service opens within `timeoutMs`. */
export function canConnect(service: TestService, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: service.host, port: service.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Probes PostgreSQL, MariaDB and Redis once per run. Reachable services are flagged in
 * the environment (inherited by the workers); suites for the others skip with one line.
 * With CI=true every service is mandatory and a missing one fails the run at once.
 */
export default async function globalSetup(): Promise<void> {
  const ci = process.env.CI === 'true';
  const missing: string[] = [];
  for (const service of Object.values(SERVICES)) {
    if (await canConnect(service)) {
      process.env[service.flag] = '1';
    } else {
      process.env[service.flag] = '0';
      missing.push(`${service.name} (${service.host}:${service.port})`);
    }
  }
  if (missing.length === 0) return;
  if (ci) {
    throw new Error(
      `CI=true but these services are unreachable: ${missing.join(', ')}. Their suites are mandatory in CI.`,
    );
  }
  for (const what of missing) {
    process.stdout.write(
      `\n[skip] suites needing ${what}: unreachable (they are mandatory when CI=true)\n`,
    );
  }
}
