import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChirpConfigError } from './chirp-config.error.js';
import { loadChirpConfig, type ChirpEnv } from './chirp-config.js';

function errorFor(env: ChirpEnv): ChirpConfigError {
  try {
    loadChirpConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ChirpConfigError);
    return error as ChirpConfigError;
  }
  throw new Error(`loadChirpConfig(${JSON.stringify(env)}) did not throw`);
}

const VALUE = { TOKEN_STRATEGY: 'value' } as const;
/** A secret the library accepts: 48 random-looking characters. */
const SECRET = 'kP3v9Qm2Zr7Lx1Nw8Tb4Yc6Hd0Jf5Gs2Ua7Ve3Xi9Ok1Rl4';

describe('loadChirpConfig: value-token keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chirp-keys-'));
  const pem = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  };
  const pkcs8 = (key: ReturnType<typeof generateKeyPairSync>['privateKey']) =>
    key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const files = {
    ec: pem('ec.pem', pkcs8(ec.privateKey)),
    rsa: pem('rsa.pem', pkcs8(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)),
    rsaSmall: pem(
      'rsa-1024.pem',
      pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
    ),
    p384: pem('p384.pem', pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey)),
    brainpool: pem(
      'brainpool.pem',
      pkcs8(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey),
    ),
    ed25519: pem('ed25519.pem', pkcs8(generateKeyPairSync('ed25519').privateKey)),
    publicOnly: pem('public.pem', ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    encrypted: pem(
      'encrypted.pem',
      ec.privateKey
        .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
        .toString(),
    ),
    garbage: pem('garbage.pem', 'not a key at all'),
  };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a random secret in development when JWT_SECRET is unset, and says so in the config', () => {
    const first = loadChirpConfig(VALUE).jwtKey;
    const second = loadChirpConfig({ ...VALUE, NODE_ENV: 'development' }).jwtKey;
    expect(first).toEqual({
      kind: 'secret',
      keyId: 'chirp-1',
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/), // 48 bytes
      generated: true,
    });
    expect(second).toMatchObject({ generated: true });
    expect(second).not.toEqual(first);
  });

  it('refuses to generate one in production: JWT_SECRET is required there', () => {
    const error = errorFor({ ...VALUE, NODE_ENV: 'production' });
    expect(error.variable).toBe('JWT_SECRET');
    expect(error.message).toMatch(/^JWT_SECRET: required in production/);
    expect(
      loadChirpConfig({ ...VALUE, NODE_ENV: 'production', JWT_SECRET: SECRET }).jwtKey,
    ).toEqual({ kind: 'secret', keyId: 'chirp-1', secret: SECRET, generated: false });
  });

  it('needs no key with reference tokens, in production too', () => {
    expect(loadChirpConfig({ NODE_ENV: 'production' }).jwtKey).toBeNull();
  });

  it.each([
    ['hardly random', 'ab'.repeat(20), /^JWT_SECRET: has almost no distinct bytes/],
    ['too short', 'Zr7-Lx1Nw8Tb4Yc6', /^JWT_SECRET: is 16 bytes, too short for HS256; fix: /],
    ['short and hardly random', 'short', /^JWT_SECRET: has almost no distinct bytes/],
  ])(
    'surfaces the library’s rules on secrets (%s) as one line naming JWT_SECRET, never the secret',
    (_case, weak, problem) => {
      for (const strategy of ['value', 'reference']) {
        const error = errorFor({ TOKEN_STRATEGY: strategy, JWT_SECRET: weak });
        expect(error.variable).toBe('JWT_SECRET');
        expect(error.message).toMatch(problem);
        expect(error.message).not.toContain(weak);
        expect(error.message).not.toContain('\n');
      }
    },
  );

  it.each([
    ['ES256', 'a P-256 EC key', 'ec'],
    ['RS256', 'an RSA key of 2048 bits', 'rsa'],
  ] as const)('detects %s from %s', (algorithm, _what, file) => {
    const key = loadChirpConfig({ ...VALUE, JWT_PRIVATE_KEY_FILE: files[file] }).jwtKey;
    expect(key).toMatchObject({ kind: 'private-key', algorithm, file: files[file] });
    expect(key?.keyId).toMatch(/^[A-Za-z0-9_-]{43}$/); // RFC 7638 thumbprint
  });

  it('takes the key id from JWT_KEY_ID, and refuses a malformed one with the library’s rule', () => {
    const env = { ...VALUE, JWT_PRIVATE_KEY_FILE: files.ec };
    expect(loadChirpConfig({ ...env, JWT_KEY_ID: '2026-11' }).jwtKey?.keyId).toBe('2026-11');
    for (const keyId of ['no spaces', 'k'.repeat(65)]) {
      const error = errorFor({ ...env, JWT_KEY_ID: keyId });
      expect(error.variable).toBe('JWT_KEY_ID');
      expect(error.message).toMatch(/^JWT_KEY_ID: must be 1–64 characters of \[A-Za-z0-9._-\]; /);
    }
    expect(errorFor({ JWT_SECRET: SECRET, JWT_KEY_ID: 'no spaces' }).variable).toBe('JWT_KEY_ID');
  });

  it.each([
    ['a missing file', join(dir, 'missing.pem'), /cannot read ".*missing\.pem" \(ENOENT\)/],
    ['a directory', dir, /cannot read .* \(EISDIR\)/],
    ['no PEM', 'garbage', /holds no unencrypted PEM private key/],
    ['a public key', 'publicOnly', /holds no unencrypted PEM private key/],
    ['an encrypted key', 'encrypted', /holds no unencrypted PEM private key/],
    [
      'RSA under 2048 bits',
      'rsaSmall',
      /: must be an RSA key of at least 2048 bits for RS256; fix: /,
    ],
    ['a P-384 key', 'p384', /: must be a P-256 EC key for ES256; fix: /],
    [
      'a curve with no JWK form',
      'brainpool',
      /curve brainpoolP256r1, which has no JWK form; use a P-256/,
    ],
    ['an Ed25519 key', 'ed25519', /key of type ed25519; use an RSA key/],
  ])('refuses %s in one line naming JWT_PRIVATE_KEY_FILE', (_case, file, problem) => {
    const path = file in files ? files[file as keyof typeof files] : file;
    const error = errorFor({ ...VALUE, JWT_PRIVATE_KEY_FILE: path });
    expect(error.variable).toBe('JWT_PRIVATE_KEY_FILE');
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('PRIVATE KEY-----');
  });

  it('refuses JWT_SECRET and JWT_PRIVATE_KEY_FILE together', () => {
    const error = errorFor({ ...VALUE, JWT_SECRET: SECRET, JWT_PRIVATE_KEY_FILE: files.ec });
    expect(error.message).toMatch(/^JWT_PRIVATE_KEY_FILE: cannot be combined with JWT_SECRET/);
    expect(error.message).not.toContain(SECRET);
  });

  it('checks a key file with reference tokens too, so a bad one never waits for a switch', () => {
    expect(errorFor({ JWT_PRIVATE_KEY_FILE: files.garbage }).variable).toBe('JWT_PRIVATE_KEY_FILE');
  });
});
