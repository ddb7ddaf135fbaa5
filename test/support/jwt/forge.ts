import {
  createHmac,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
  type KeyObject,
} from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Base64url of a JSON value (objects/arrays are stringified) or of a string's UTF-8 bytes. */
export function b64u(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** Signs `h.p` (already encoded) with HMAC-SHA-`bits`; returns the base64url signature. */
export function hmacSignature(input: string, key: string | Buffer | KeyObject, bits = 256): string {
  return createHmac(`sha${bits}`, key).update(input).digest('base64url');
}

/**
 * A compact HS256 JWS over `header` and `payload` signed with `key` — with an attacker's key,
 * or with the real key to test what the verifier's *policy* accepts (an issuance bug or leak).
 * A string `payload` is used as the raw JSON text (e.g. to duplicate a claim).
 * @example hs256({ alg: 'HS256', typ: 'JWT' }, { sub: '1' }, 'secret')
 */
export function hs256(header: object, payload: object | string, key: string | Buffer | KeyObject) {
  return hmacJws(header, payload, key, 256);
}

/** Like {@link hs256} for HS256/384/512. */
export function hmacJws(
  header: object,
  payload: object | string,
  key: string | Buffer | KeyObject,
  bits: 256 | 384 | 512,
): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  return `${input}.${hmacSignature(input, key, bits)}`;
}

/** An RS256 JWS signed with `privateKey` (RSA). A string `payload` is raw JSON text. */
export function rs256(header: object, payload: object | string, privateKey: KeyObject): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** An ES256 JWS (JOSE `r || s` signature) signed with a P-256 `privateKey`. */
export function es256(header: object, payload: object | string, privateKey: KeyObject): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  const signature = cryptoSign('sha256', Buffer.from(input), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** The decoded parts of a compact JWS (no verification). */
export interface DecodedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  /** `header.payload`, as sent. */
  readonly signingInput: string;
  /** The signature segment, as sent. */
  readonly signature: string;
}

/** Splits and decodes a compact JWS without verifying it. */
export function decodeJws(token: string): DecodedJws {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
    signingInput: `${h}.${p}`,
    signature: s,
  };
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Other encodings of the same signature bytes: the last base64url character replaced by
 * each sibling that differs only in the unused low bits (16 siblings when 4 bits are
 * spare, e.g. RS256-2048 and ES256; 4 when 2 are, e.g. HS256). Lenient base64 decoders
 * read all of them as the same bytes (checklist S25).
 */
export function malleableVariants(token: string): string[] {
  const cut = token.lastIndexOf('.');
  const signature = token.slice(cut + 1);
  const spareBits = (signature.length * 6) % 8;
  const groupSize = 1 << spareBits;
  const last = B64URL.indexOf(signature[signature.length - 1]);
  const base = last - (last % groupSize);
  const variants: string[] = [];
  for (let i = base; i < base + groupSize; i++) {
    if (i !== last) variants.push(`${token.slice(0, -1)}${B64URL[i]}`);
  }
  return variants;
}

/** Order of the P-256 group (ECDSA `n`). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** An ES256 token with `s` replaced by `n − s`: another valid signature of the same input. */
export function flipEcdsaS(token: string): string {
  const cut = token.lastIndexOf('.');
  const raw = Buffer.from(token.slice(cut + 1), 'base64url');
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return `${token.slice(0, cut)}.${Buffer.concat([raw.subarray(0, 32), flipped]).toString('base64url')}`;
}

/** A key pair generated once per process (RSA 2048 is slow on a 2-core machine). */
export interface AttackerKeys {
  readonly rsa: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  readonly ec: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
}

let attacker: AttackerKeys | null = null;

/** An attacker's RSA-2048 and P-256 key pairs (generated once per test file). */
export function attackerKeys(): AttackerKeys {
  attacker ??= {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  };
  return attacker;
}

/** A fresh random HMAC secret of `bytes` bytes. */
export function randomSecret(bytes = 48): Buffer {
  return randomBytes(bytes);
}

/** A local HTTP server that counts the requests it receives (for "no fetch" assertions). */
export interface CountingListener {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Requests received so far. */
  readonly requests: readonly IncomingMessage[];
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts a {@link CountingListener} on 127.0.0.1 and an ephemeral port. */
export async function startCountingListener(): Promise<CountingListener> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      ),
  };
}
