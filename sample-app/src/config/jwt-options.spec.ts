import { chirpJwtOptions } from './jwt-options.js';

describe('chirpJwtOptions', () => {
  it('turns Chirp’s seconds into the library’s milliseconds, with iss and aud "chirp"', () => {
    const secret = 'kP3v9Qm2Zr7Lx1Nw8Tb4Yc6Hd0Jf5Gs2Ua7Ve3Xi9Ok1Rl4';
    expect(
      chirpJwtOptions({
        key: { kind: 'secret', keyId: 'chirp-1', secret, generated: false },
        accessTokenTtl: 900,
        leeway: 5,
      }),
    ).toEqual({
      keys: [{ kid: 'chirp-1', algorithm: 'HS256', secret }],
      issuer: 'chirp',
      audience: 'chirp',
      accessTokenTtl: 900_000,
      leeway: 5_000,
    });
  });
});
