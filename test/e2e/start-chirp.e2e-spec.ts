import { jest } from '@jest/globals';
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

// main.ts's start-up path, in process: the success case first, because a failed start
// leaves Nest's (static) log buffer attached, as it would be right before exiting.
describe('startChirp (main.ts)', () => {
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

  it.each([
    [
      { TOKEN_STRATEGY: 'value' },
      "chirp: TOKEN_STRATEGY: 'value' is not supported yet by this build (use reference)\n",
    ],
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
