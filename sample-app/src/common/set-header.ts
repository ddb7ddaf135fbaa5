/** A response of Express (`setHeader`) or Fastify (`header`). */
export interface HeaderTarget {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/** Sets a response header on whichever HTTP platform the app runs. */
export function setHeader(response: HeaderTarget, name: string, value: string): void {
  if (typeof response.header === 'function') response.header(name, value);
  else response.setHeader?.(name, value);
}
