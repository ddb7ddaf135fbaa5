import type { ValueTransformer } from 'typeorm';

/**
 * Stores times as `bigint` milliseconds since the Unix epoch. PostgreSQL and MySQL
 * return `bigint` as a string; this turns it back into a number.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
