/** An HTTP answer, as the probes need it. */
export interface Answer {
  /** Status code (0 when the request failed at the network level). */
  readonly status: number;
  /** Parsed JSON body, or `null`. */
  readonly body: unknown;
  /** `Set-Cookie` headers. */
  readonly cookies: string[];
}

/** Sends one request; network failures answer status 0 instead of throwing. */
export async function call(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; json?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: response.status, body, cookies: response.headers.getSetCookie() };
  } catch {
    return { status: 0, body: null, cookies: [] };
  }
}

/** A string property of a JSON body, or `null`. */
export function field(body: unknown, name: string): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
