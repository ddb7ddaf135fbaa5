import { createConnection } from 'node:net';

/** A response read off a raw socket. */
export interface RawResponse {
  /** Status code, or 0 if the server closed the connection without answering. */
  readonly status: number;
  /** Header lines in order (names lowercased), duplicates kept. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body as latin1 text (everything after the header block). */
  readonly body: string;
}

/** The first value of header `name` in `response`, or `undefined`. */
export function rawHeader(response: RawResponse, name: string): string | undefined {
  return response.headers.find(([key]) => key === name.toLowerCase())?.[1];
}

function parse(raw: Buffer): RawResponse {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end < 0) return { status: 0, headers: [], body: text };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { status: Number(statusLine.slice(9, 12)), headers, body: text.slice(end + 4) };
}

/**
 * Sends one HTTP/1.1 request written byte for byte, for what supertest and Node's client
 * refuse to send: duplicate `Authorization` headers, raw 0xFF or NUL bytes, CR/LF inside a
 * value, oversized headers. `Connection: close` is added; the response is read until the
 * server closes the connection.
 *
 * @param headerLines header lines without CRLF; strings are written as latin1 (one byte per
 *   character), Buffers as they are.
 * @example
 * await rawRequest(port, 'GET', '/me', ['Authorization: Bearer a', 'Authorization: Bearer b']);
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headerLines: ReadonlyArray<string | Buffer>,
  body = '',
): Promise<RawResponse> {
  const parts: Buffer[] = [
    Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`),
  ];
  for (const line of headerLines) {
    parts.push(typeof line === 'string' ? Buffer.from(line, 'latin1') : line, Buffer.from('\r\n'));
  }
  if (body) parts.push(Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n`));
  parts.push(Buffer.from(`\r\n${body}`));
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port} within 10 s`));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server may reset a connection it refuses; whatever arrived is the answer.
    socket.on('error', () => resolve(parse(Buffer.concat(chunks))));
    socket.on('close', () => resolve(parse(Buffer.concat(chunks))));
    socket.write(Buffer.concat(parts));
  });
}
