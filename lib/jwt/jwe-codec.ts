import type { KeyObject } from 'node:crypto';

type Jose = typeof import('jose');

/** The only protected header accepted: direct encryption with AES-256-GCM of a nested JWT. */
const EXPECTED_HEADER = '{"alg":"dir","enc":"A256GCM","cty":"JWT"}';
const EXPECTED_HEADER_B64 = Buffer.from(EXPECTED_HEADER).toString('base64url');

/**
 * Optional encryption of value tokens: the signed JWT goes inside a compact JWE
 * (`dir` + `A256GCM`) made by `jose`, loaded only when encryption is configured. Anything
 * but that exact header (e.g. `PBES2` with a huge `p2c`, `zip`) is refused before `jose`
 * sees it, so a hostile header costs nothing.
 */
export class JweCodec {
  private jose: Promise<Jose> | null = null;

  /** @param key 32-byte secret key (A256GCM). */
  constructor(private readonly key: KeyObject) {}

  /** Encrypts a signed JWT. */
  async encrypt(jws: string): Promise<string> {
    const { CompactEncrypt } = await this.load();
    return new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(this.key);
  }

  /** Decrypts a token made by {@link encrypt}; `null` for anything else. */
  async decrypt(token: string): Promise<string | null> {
    const parts = token.split('.');
    // dir: five segments, the second (encrypted key) empty; the header must be exactly ours.
    if (parts.length !== 5 || parts[1] !== '' || parts[0] !== EXPECTED_HEADER_B64) return null;
    try {
      const { compactDecrypt } = await this.load();
      const { plaintext } = await compactDecrypt(token, this.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
    } catch {
      return null;
    }
  }

  private load(): Promise<Jose> {
    this.jose ??= import('jose');
    return this.jose;
  }
}
