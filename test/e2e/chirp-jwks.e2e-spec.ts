import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, ChirpHarness } from './chirp-harness.js';

// Value tokens signed with a key file (JWT_PRIVATE_KEY_FILE): the public key is published
// at /.well-known/jwks.json, and another service verifies Chirp's tokens with it alone.
describe('Chirp JWKS with an ES256 key file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chirp-jwks-'));
  const keyFile = join(dir, 'jwt-key.pem');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let chirp: ChirpHarness;

  beforeAll(async () => {
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chirp = await ChirpHarness.start(
      {
        name: 'value tokens, ES256',
        strategy: 'value',
        store: 'memory',
        dialect: 'sqlite',
        storeWide: false,
      },
      { JWT_PRIVATE_KEY_FILE: keyFile },
    );
  });

  afterAll(async () => {
    await chirp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes exactly the public key, and nothing private', async () => {
    const response = await chirp.http.get('/.well-known/jwks.json');
    expect(response.status).toBe(200);
    const { x, y } = publicKey.export({ format: 'jwk' });
    expect(response.body).toEqual({
      keys: [{ kty: 'EC', crv: 'P-256', x, y, kid: expect.any(String), alg: 'ES256', use: 'sig' }],
    });
    expect(response.body.keys[0]).not.toHaveProperty('d');
    // Without JWT_KEY_ID, the kid is the key's RFC 7638 thumbprint.
    expect(response.body.keys[0].kid).toBe(
      await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y }),
    );
  });

  it('lets another service verify Chirp’s access tokens with the published key alone', async () => {
    const tokens = await chirp.login('alice');
    const jwks = createLocalJWKSet((await chirp.http.get('/.well-known/jwks.json')).body);
    const { payload, protectedHeader } = await jwtVerify(tokens.accessToken, jwks, {
      algorithms: ['ES256'],
      issuer: 'chirp',
      audience: 'chirp',
      typ: 'at+jwt',
    });
    expect(payload.sub).toBe(await chirp.idOf(tokens));
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect((await chirp.http.get('/me').set(bearer(tokens.accessToken))).status).toBe(200);
  });
});
