import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** The token pair handed out at a rotation, kept sealed for the grace window. */
export interface SealedPair {
  readonly accessToken: string;
  readonly refreshToken: string;
}

const INFO = Buffer.from('nest-sessions/refresh-successor/v1');

function keyFor(refreshToken: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', Buffer.from(refreshToken, 'utf8'), Buffer.alloc(0), INFO, 32),
  );
}

/**
 * Seals the successor pair of a rotation under a key derived from the refresh token
 * that was spent to get it (AES-256-GCM, HKDF-SHA256).
 *
 * Why: inside the grace window the spent token, replayed by a second tab, must get the
 * same successor back, yet the store keeps only hashes. The sealed blob opens only with
 * the raw spent token, which the store never holds, so a dump of the store still yields
 * no usable token.
 */
export function sealSuccessor(spentRefreshToken: string, pair: SealedPair): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(spentRefreshToken), iv);
  const body = Buffer.concat([
    cipher.update(JSON.stringify([pair.accessToken, pair.refreshToken]), 'utf8'),
    cipher.final(),
  ]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a blob made by {@link sealSuccessor}; `null` if the key or blob is wrong. */
export function openSuccessor(spentRefreshToken: string, sealed: string): SealedPair | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 29) return null;
    const decipher = createDecipheriv(
      'aes-256-gcm',
      keyFor(spentRefreshToken),
      raw.subarray(0, 12),
    );
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString(
      'utf8',
    );
    const parsed: unknown = JSON.parse(text);
    if (
      !Array.isArray(parsed) ||
      parsed.length !== 2 ||
      typeof parsed[0] !== 'string' ||
      typeof parsed[1] !== 'string'
    ) {
      return null;
    }
    return { accessToken: parsed[0], refreshToken: parsed[1] };
  } catch {
    return null;
  }
}
