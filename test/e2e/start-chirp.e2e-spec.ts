import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ChirpConfig } from '../../sample-app/src/config/chirp-config.js';
import { CHIRP_CONFIG } from '../../sample-app/src/config/chirp-config.module.js';
import { startChirp, type StartupIo } from '../../sample-app/src/start-chirp.js';

/** Runs `startChirp` with `env`, capturing everything it writes and whether it exits. */
async function start(env: Record<string, string>) {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  const errors: string[] = [];
  const exits: number[] = [];
  const io: StartupIo = {
    writeError: (line) => errors.push(line),
    exit: (code) => exits.push(code),
  };
  try {
    const app = await startChirp(env, io);
    return { app, errors, exits, written };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

// main.ts's start-up path, in process: the success cases first, because a failed start
// leaves Nest's (static) log buffer attached, as it would be right before exiting.
describe('startChirp (main.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chirp-start-'));
  const ed25519File = join(dir, 'ed25519.pem');
  writeFileSync(
    ed25519File,
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts, serves /health and logs the demo users without their password', async () => {
    const { app, errors, exits, written } = await start({
      PORT: '0',
      SESSION_STORE: 'memory',
      DATABASE_URL: 'sqlite::memory:',
      DEMO_PASSWORD: 'never-print-this-pw',
    });
    try {
      expect({ errors, exits }).toEqual({ errors: [], exits: [] });
      const { port } = app!.getHttpServer().address() as { port: number };
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).toEqual({ status: 'ok', strategy: 'reference', store: 'memory' });

      const log = written.join('');
      expect(log).toContain(`Chirp listening on http://localhost:${port}`);
      for (const user of ['alice', 'bob', 'mod', 'admin']) {
        expect(log).toMatch(
          new RegExp(`Demo user ${user} \\(created\\): posts:create.*DEMO_PASSWORD`),
        );
      }
      expect(log).toMatch(/Demo user admin .*users:manage/);
      expect(log).not.toContain('never-print-this-pw');
    } finally {
      await app?.close();
    }
  });

  it('with value tokens and no JWT_SECRET in development, warns once and never logs the secret', async () => {
    const { app, errors, exits, written } = await start({
      PORT: '0',
      TOKEN_STRATEGY: 'value',
      SESSION_STORE: 'memory',
      DATABASE_URL: 'sqlite::memory:',
    });
    try {
      expect({ errors, exits }).toEqual({ errors: [], exits: [] });
      const { port } = app!.getHttpServer().address() as { port: number };
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).toEqual({ status: 'ok', strategy: 'value', store: 'memory' });

      const lines = written.join('').split('\n');
      const warnings = lines.filter((line) => line.includes('JWT_SECRET'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/WARN.*JWT_SECRET is not set: .*random secret.*restart/);
      const key = app!.get<ChirpConfig>(CHIRP_CONFIG).jwtKey;
      expect(key).toMatchObject({ kind: 'secret', generated: true });
      expect(written.join('')).not.toContain(key?.kind === 'secret' ? key.secret : '(none)');
    } finally {
      await app?.close();
    }
  });

  it('starts on Fastify with cookie transport, on every interface like Express', async () => {
    const { app, errors, exits, written } = await start({
      PORT: '0',
      SESSION_STORE: 'memory',
      DATABASE_URL: 'sqlite::memory:',
      DEMO_PASSWORD: 'fastify-demo-pw',
      HTTP_ADAPTER: 'fastify',
      AUTH_TRANSPORT: 'cookie',
    });
    try {
      expect({ errors, exits }).toEqual({ errors: [], exits: [] });
      const { address, port } = app!.getHttpServer().address() as AddressInfo;
      expect(address).toBe('0.0.0.0');
      expect(written.join('')).toContain('http: fastify, transport: cookie');
      const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'fastify-demo-pw' }),
      });
      expect(login.status).toBe(200);
      expect(login.headers.getSetCookie().map((c) => c.slice(0, c.indexOf('=')))).toEqual([
        '__Host-session',
        '__Secure-refresh',
        '__Host-csrf',
      ]);
    } finally {
      await app?.close();
    }
  });

  it.each([
    [
      { TOKEN_STRATEGY: 'value', NODE_ENV: 'production' },
      'chirp: JWT_SECRET: required in production with TOKEN_STRATEGY=value (or set JWT_PRIVATE_KEY_FILE); generate one with openssl rand -base64 48\n',
    ],
    [
      { TOKEN_STRATEGY: 'value', JWT_SECRET: 'ab'.repeat(20) },
      /^chirp: JWT_SECRET: has almost no distinct bytes \(not random\); fix: .*\n$/,
    ],
    [
      { TOKEN_STRATEGY: 'value', JWT_PRIVATE_KEY_FILE: '/nonexistent/jwt.pem' },
      'chirp: JWT_PRIVATE_KEY_FILE: cannot read "/nonexistent/jwt.pem" (ENOENT)\n',
    ],
    [
      { TOKEN_STRATEGY: 'value', JWT_PRIVATE_KEY_FILE: ed25519File },
      /^chirp: JWT_PRIVATE_KEY_FILE: ".*ed25519\.pem" is a key of type ed25519; .*\n$/,
    ],
    [{ TOKEN_STRATEGY: 'jwt' }, /^chirp: TOKEN_STRATEGY: unknown value "jwt" .*\n$/],
    [{ SESSION_STORE: 'disk' }, /^chirp: SESSION_STORE: unknown value "disk" .*\n$/],
    [
      { DATABASE_URL: 'postgres://chirp:hunter2@127.0.0.1:1/x' },
      'chirp: DATABASE_URL: cannot connect to postgres://chirp:***@127.0.0.1:1/x (ECONNREFUSED)\n',
    ],
    [
      { DATABASE_URL: 'mysql://root@127.0.0.1:1/x' },
      'chirp: DATABASE_URL: cannot connect to mysql://root@127.0.0.1:1/x (ECONNREFUSED)\n',
    ],
  ])('stops on %j with one line and exit code 1, nothing else', async (env, line) => {
    const { app, errors, exits, written } = await start({ PORT: '0', ...env });
    expect(app).toBeNull();
    expect(exits).toEqual([1]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEqual(typeof line === 'string' ? line : expect.stringMatching(line));
    expect(written).toEqual([]); // no stack trace, no Nest log
  });
});
