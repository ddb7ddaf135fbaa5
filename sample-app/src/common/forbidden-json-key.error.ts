/** Keys that could reach an object's prototype when a parsed body is merged somewhere. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Thrown while parsing a JSON body that has a `__proto__`, `constructor` or `prototype`
 * key at any depth. Chirp answers it with 400 naming the key, like any unknown field.
 */
export class ForbiddenJsonKeyError extends SyntaxError {
  /** @param key the offending key */
  constructor(readonly key: string) {
    super(`property ${key} should not exist`);
    this.name = 'ForbiddenJsonKeyError';
  }
}

/**
 * A `JSON.parse` reviver refusing prototype-polluting keys, for the JSON body parser.
 * @throws ForbiddenJsonKeyError
 */
export function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenJsonKeyError(key);
  return value;
}
