import { describe, expect, it } from '@jest/globals';
import { generateOpaqueToken } from './opaque-token.js';
import { openSuccessor, sealSuccessor, type SealedPair } from './successor-seal.js';

describe('sealSuccessor / openSuccessor', () => {
  const spent = generateOpaqueToken();
  const pair: SealedPair = {
    accessToken: generateOpaqueToken(),
    refreshToken: generateOpaqueToken(),
  };
  const sealed = sealSuccessor(spent, pair);

  it('opens with the spent refresh token to the exact pair', () => {
    expect(openSuccessor(spent, sealed)).toEqual(pair);
  });

  it('does not contain the pair in the clear, and differs on every seal', () => {
    expect(sealed).not.toContain(pair.accessToken);
    expect(sealed).not.toContain(pair.refreshToken);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(pair.refreshToken);
    const again = sealSuccessor(spent, pair);
    expect(again).not.toBe(sealed);
    expect(openSuccessor(spent, again)).toEqual(pair);
  });

  it('gives null for any other token', () => {
    expect(openSuccessor(generateOpaqueToken(), sealed)).toBeNull();
    expect(openSuccessor(pair.refreshToken, sealed)).toBeNull();
    expect(openSuccessor('', sealed)).toBeNull();
  });

  it('gives null for a tampered blob', () => {
    const raw = Buffer.from(sealed, 'base64url');
    // One flipped bit in the IV, in the tag and in the ciphertext, one at a time.
    for (const index of [0, 12, 28, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[index] ^= 1;
      expect(openSuccessor(spent, tampered.toString('base64url'))).toBeNull();
    }
    expect(openSuccessor(spent, raw.subarray(0, raw.length - 1).toString('base64url'))).toBeNull();
  });

  it('gives null for garbage instead of throwing', () => {
    for (const garbage of ['', 'x', '!!!not base64!!!', 'A'.repeat(28), 'A'.repeat(400)]) {
      expect(openSuccessor(spent, garbage)).toBeNull();
    }
  });
});
